"""Field-level privacy, proven with canaries.

GIVEN a case of school A (county X, city CA) whose every sensitive field carries canary
values — the parties' names and student numbers, and the same names and numbers inside
the summary, the determination's reasoning, a measure's description, a parent notice, a
follow-up note, an attachment's original name, the closing summary, an appeal (whose
appellant is a canary too) and an incident report forwarded to the city —
WHEN every persona crawls every page, PDF, spreadsheet and API answer it can reach,
THEN

* nobody outside the handling school and its county office ever receives a full name or
  a student number: the city and province see the case with names masked (``甄**``);
  everyone else (other schools, other counties and cities, inspectors, review experts
  off the panel, system administrators, auditors) gets 404 and no trace of the case's
  content at all (each free-text field also carries a marker they must never see);
* no name is ever in a URL (links, form actions, redirects), for anyone;
* no name reaches a log record, a notification, an e-mail, the audit log or the
  case's chronology, even after the reminder sweep has run with the clock moved on;
* a city or province official holding an approved, unexpired purpose-bound grant for the
  case (``UnmaskGrant``) reads its names on the case's own pages and documents, and
  nowhere else: not in lists, exports, dashboards, notifications or logs, and never the
  names of another case (a second planted case, of school YS, carries its own canaries);
  each such read is audited with the grant's id. A grant only requested, or expired,
  reveals nothing.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import tempfile
from collections import deque
from datetime import timedelta
from urllib.parse import quote, urljoin, urlsplit

import pytest
import time_machine
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from accounts.api.authentication import token_issue
from accounts.models import OrgUnit
from accounts.services import _Row, org_units_import
from cases import services
from cases.appeals import services as appeal_services
from cases.models import MeasureKind, PartyRole
from tests.conftest import TREE
from tests.security.conftest import make_clients, module_transaction
from tests.security.world import UNIT_KEYS, World, _users, png

VICTIM, PERPETRATOR, WITNESS = "甄宝玉", "贾环儿", "薛蟠龙"
APPELLANT = "甄士隐"
NAMES = (VICTIM, PERPETRATOR, WITNESS, APPELLANT)
MASKED = {name: name[0] + "**" for name in NAMES}
STUDENT_NOS = ("SN7731990001", "SN7731990002", "SN7731990003")
# One marker per free-text field: whoever may not open the case must never see one.
MARKERS = {
    "summary": "QX1经过",
    "location": "QX2地点",
    "reasoning": "QX3理由",
    "measure": "QX4措施",
    "notice": "QX5告知",
    "follow_up": "QX6跟踪",
    "attachment": "QX7附件",
    "closing": "QX8结案",
    "grounds": "QX9申诉",
    "opinion": "QXA复查",
    "report": "QXB报告",
}


def tainted(field: str) -> str:
    """Free text naming every child (with a student number) and carrying the field's marker."""
    return f"{VICTIM}（学籍号{STUDENT_NOS[0]}）被{PERPETRATOR}（{STUDENT_NOS[1]}）推倒，{WITNESS}目击。{MARKERS[field]}"


# Who may see what (API.md "Cases", SECURITY.md "姓名遮蔽").
FULL = ("staff_a", "member_a", "chair_a", "officer_x")
MASKED_VIEWERS = ("city_a", "province")
BLIND = (
    "chair_a2",
    "staff_a2",
    "chair_y",
    "officer_y",
    "expert_y",
    "chair_z",
    "officer_z",
    "city_b",
    "expert_x",
    "inspector_a",
    "inspector_x",
    "inspector_b",
    "sysadmin",
    "sysadmin_x",
    "auditor",
    "auditor_x",
)
PERSONAS = FULL + MASKED_VIEWERS + BLIND

NEVER = NAMES + STUDENT_NOS  # for everyone outside the school and its county

# The second case (school YS, county Y, city CA): the same city and province see it
# masked; a grant for the first case must never reveal these.
OTHER_NAMES = ("柳湘莲", "尤三姐", "冯紫英")
OTHER_STUDENT_NOS = ("SN8842990001", "SN8842990002", "SN8842990003")
OTHER = OTHER_NAMES + OTHER_STUDENT_NOS
ENCODED_OTHER = tuple(quote(s) for s in OTHER_NAMES)
# Who decides a request of each masked viewer (a second official with the case in scope).
APPROVER = {"city_a": "province", "province": "city_a"}
PURPOSE = "核查督办工作需要了解当事学生情况，与公安机关通报核对。"

# Pages with a known, reported leak, left out of the crawl until fixed (none today).
KNOWN_LEAKS: dict[str, str] = {}
ENCODED = tuple(quote(s) for s in NAMES)  # a name in a URL, percent-encoded


# ---------------------------------------------------------------------------------------
# The planted case


def build_planted() -> World:
    result = org_units_import(rows=[_Row(i, *row) for i, row in enumerate(TREE, start=2)])
    assert not result.errors, result.errors
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    units = {key: by_code[code] for key, code in UNIT_KEYS.items()}
    world = World(units=units, users=_users(units))
    for name, user in world.users.items():
        world.tokens[name] = token_issue(user=user)
    users = world.users
    chair, officer = users["chair_a"], users["officer_x"]

    def open_case(**extra):
        return services.case_open(
            actor=chair,
            school=units["A"],
            occurred_at=timezone.now() - timedelta(hours=3),
            location=f"操场{VICTIM}班级门口{MARKERS['location']}",
            source="parent",
            forms=["physical", "verbal"],
            summary=tainted("summary"),
            parties=[
                {"role": PartyRole.VICTIM, "name": VICTIM, "student_no": STUDENT_NOS[0], "grade": "五年级"},
                {"role": PartyRole.PERPETRATOR, "name": PERPETRATOR, "student_no": STUDENT_NOS[1], "grade": "五年级"},
                {"role": PartyRole.WITNESS, "name": WITNESS, "student_no": STUDENT_NOS[2], "grade": "五年级"},
            ],
            **extra,
        )

    # The case that goes all the way, every free-text field tainted.
    case = open_case()
    services.case_start_investigation(actor=chair, case=case)
    services.case_determine(
        actor=chair,
        case=case,
        is_bullying=True,
        severity="serious",
        reasoning=tainted("reasoning"),
        members_present_note=f"{VICTIM}的班主任",
    )
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)
    victim = case.parties.get(role=PartyRole.VICTIM)
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=perpetrator,
        description=tainted("measure"),
        responsible="德育主任",
        planned_hours=8,
    )
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.VICTIM_COUNSELLING,
        party=victim,
        description=tainted("measure"),
        responsible="心理教师",
    )
    services.case_notify_parents(
        actor=chair,
        case=case,
        direction="to_parents",
        method="phone",
        guardian=f"{VICTIM}的母亲",
        party=victim,
        content=tainted("notice"),
    )
    services.attachment_add(
        actor=chair,
        case=case,
        uploaded_file=png(f"{VICTIM}{STUDENT_NOS[0]}伤情照片{MARKERS['attachment']}.png"),
        description=f"{VICTIM}伤情",
    )
    services.case_start_follow_up(actor=chair, case=case)
    services.case_add_follow_up(actor=chair, case=case, note=tainted("follow_up"), party=victim)
    # An incident report up the chain (it climbs to the city), then the appeal.
    try:
        from reporting import services as reporting

        report = reporting.report_submit(actor=chair, case=case, kind="initial", content=tainted("report"))
        reporting.report_acknowledge(actor=officer, report=report)
        reporting.report_forward(actor=officer, report=report, note=f"{VICTIM}情况已核实。")
        world.objects[("report", "A")] = report
    except ImportError:  # pragma: no cover - before the reporting app exists
        pass
    services.case_close(actor=chair, case=case, summary=tainted("closing"))
    appeal = appeal_services.appeal_lodge(
        actor=officer,
        case=case,
        appellant_name=APPELLANT,
        appellant_relation=f"{VICTIM}的父亲",
        grounds=tainted("grounds"),
        attachments=[png(f"{APPELLANT}申诉书.png")],
    )
    appeal_services.appeal_accept_review(actor=officer, appeal=appeal)
    appeal_services.appeal_form_panel(
        actor=officer,
        appeal=appeal,
        members=[
            (users["panel_school_x"], "school_rep"),
            (users["panel_parent_x"], "parent_rep"),
            (users["panel_expert_x"], "expert"),
        ],
    )
    appeal_services.appeal_decide(
        actor=officer, appeal=appeal, is_bullying=True, severity="serious", opinion=tainted("opinion")
    )
    appeal_services.appeal_file(actor=officer, appeal=appeal)
    world.objects[("case", "A")] = case
    world.objects[("appeal", "A")] = appeal
    world.objects[("attachment", "A")] = case.attachments.get()
    world.objects[("appeal_attachment", "A")] = appeal.attachments.get()

    # A second case still under investigation: the reminder sweep will chase it.
    pending = open_case()
    services.case_start_investigation(actor=chair, case=pending)
    world.objects[("pending", "A")] = pending
    world.objects[("case", "YS")] = plant_other(world)
    make_clients(world)
    return world


def plant_other(world: World):
    """A case of school YS with its own canaries, determined, with a measure and a
    follow-up, reported up to the city (so it is in the city's lists and dashboards)."""
    users, school = world.users, world.units["YS"]
    chair, officer = users["chair_y"], users["officer_y"]
    text = f"{OTHER_NAMES[0]}（{OTHER_STUDENT_NOS[0]}）被{OTHER_NAMES[1]}（{OTHER_STUDENT_NOS[1]}）辱骂，{OTHER_NAMES[2]}目击。"
    case = services.case_open(
        actor=chair,
        school=school,
        occurred_at=timezone.now() - timedelta(hours=5),
        location=f"{OTHER_NAMES[0]}的教室",
        source="parent",
        forms=["verbal"],
        summary=text,
        parties=[
            {"role": role, "name": name, "student_no": number, "grade": "初二"}
            for role, name, number in zip(
                (PartyRole.VICTIM, PartyRole.PERPETRATOR, PartyRole.WITNESS), OTHER_NAMES, OTHER_STUDENT_NOS
            )
        ],
    )
    services.case_start_investigation(actor=chair, case=case)
    services.case_determine(actor=chair, case=case, is_bullying=True, severity="minor", reasoning=text)
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=case.parties.get(role=PartyRole.PERPETRATOR),
        description=text,
        responsible="德育主任",
        planned_hours=4,
    )
    services.case_start_follow_up(actor=chair, case=case)
    services.case_add_follow_up(actor=chair, case=case, note=text)
    try:
        from reporting import services as reporting

        report = reporting.report_submit(actor=chair, case=case, kind="initial", content=text)
        reporting.report_acknowledge(actor=officer, report=report)
        reporting.report_forward(actor=officer, report=report, note=f"{OTHER_NAMES[0]}情况已核实。")
    except ImportError:  # pragma: no cover - before the reporting app exists
        pass
    return case


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker):
    handler = _Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with module_transaction(django_db_blocker) as build:
            world = build(build_planted)
            world.extras["build_logs"] = list(handler.records)
            yield world
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


# ---------------------------------------------------------------------------------------
# Reading everything a persona can reach


def _reverse(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None  # not mounted (yet): nothing to read there


def page_seeds(world: World) -> list[str]:
    case, appeal = world.get("case", "A"), world.get("appeal", "A")
    attachment, appeal_attachment = world.get("attachment", "A"), world.get("appeal_attachment", "A")
    report = world.objects.get(("report", "A"))
    urls = [
        _reverse("home"),
        _reverse("cases:list"),
        _reverse("cases:list") + f"?number={case.number}",
        _reverse("cases:detail", pk=case.pk),
        _reverse("cases:pdf", pk=case.pk),
        _reverse("cases:notice_pdf", pk=case.pk),
        _reverse("cases:attachment", pk=case.pk, attachment_id=attachment.pk),
        _reverse("appeals:list"),
        _reverse("appeals:detail", pk=appeal.pk),
        _reverse("appeals:notice_pdf", pk=appeal.pk),
        _reverse("appeals:attachment", pk=appeal.pk, attachment_id=appeal_attachment.pk),
        _reverse("cases:unmask_queue"),
        _reverse("reporting:dashboard"),
        _reverse("reporting:dashboard_export"),
        _reverse("reporting:summary_pdf"),
        _reverse("reporting:report_list"),
        _reverse("reporting:report_detail", pk=report.pk) if report else None,
        _reverse("reporting:statistics"),
        _reverse("reporting:statistics_export"),
        _reverse("inspections:list"),
        _reverse("inspections:export"),
        _reverse("inspections:league"),
        _reverse("notifications:list"),
        _reverse("notifications:escalations"),
        _reverse("accounts:org_units"),
        _reverse("accounts:audit"),
        _reverse("accounts:users"),
        _reverse("calendar:index"),
    ]
    other = world.objects.get(("case", "YS"))
    if other is not None:
        urls += [_reverse("cases:detail", pk=other.pk), _reverse("cases:pdf", pk=other.pk)]
    return [u for u in urls if u]


def api_seeds(world: World) -> list[str]:
    case, appeal = world.get("case", "A"), world.get("appeal", "A")
    attachment, appeal_attachment = world.get("attachment", "A"), world.get("appeal_attachment", "A")
    report = world.objects.get(("report", "A"))
    urls = [
        _reverse("me"),
        _reverse("case-list"),
        _reverse("case-detail", pk=case.pk),
        _reverse("case-timeline", pk=case.pk),
        _reverse("case-measures", pk=case.pk),
        _reverse("case-pdf", pk=case.pk),
        _reverse("case-attachment", pk=case.pk, attachment_id=attachment.pk),
        _reverse("appeal-list"),
        _reverse("appeal-detail", pk=appeal.pk),
        _reverse("appeal-notice", pk=appeal.pk),
        _reverse("appeal-attachment", pk=appeal.pk, attachment_id=appeal_attachment.pk),
        _reverse("incident-report-list"),
        _reverse("incident-report-detail", pk=report.pk) if report else None,
        _reverse("api-dashboard"),
        _reverse("notification-list"),
        _reverse("org-unit-list"),
        _reverse("inspection-list"),
        _reverse("inspection-export"),
        _reverse("inspection-league"),
    ]
    other = world.objects.get(("case", "YS"))
    if other is not None:
        urls += [_reverse("case-detail", pk=other.pk), _reverse("case-timeline", pk=other.pk)]
    return [u for u in urls if u]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENTS = (".pdf", ".xlsx", "/pdf/", "/export/")
SKIP_PREFIXES = ("/static/", "/accounts/logout/", "/i18n/", "/api/docs/", "/api/schema/")
LINK = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def body_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        # Consuming it closes it (the test client's wrapper); closing it again here
        # would fire request_finished and drop the test's connection.
        return b"".join(response.streaming_content)
    return response.content


def text_of(response, content: bytes) -> str:
    """What a person would read in the answer: HTML/JSON text, a PDF's text
    (pdftotext, white space removed: a line may break inside a name), a spreadsheet's
    cells."""
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(content)
            f.flush()
            out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True)
        return "".join(out.stdout.decode("utf-8").split())
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
    if "json" in kind:
        try:  # re-dumped unescaped, whatever the renderer's ensure_ascii
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            return content.decode("utf-8", errors="replace")
    if kind.startswith("text/") or not kind:
        return content.decode("utf-8", errors="replace")
    return ""  # an image: its bytes carry no text, its name is in the headers


def crawl(client, seeds: list[str], *, follow: bool, limit: int = 90):
    """Breadth-first GET of the seeds and, for pages, every same-site link on them.
    Yields (url, response, readable text, links found)."""
    queue, seen, per_path = deque(seeds), set(), {}
    fetched = 0
    while queue and fetched < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        per_path[path] = per_path.get(path, 0) + 1
        # Filters and pages of one list: two are enough; a document (PDF, workbook) is
        # rendered by the same code whatever the filter, and costs a second: once.
        if per_path[path] > (1 if path.endswith(DOCUMENTS) else 2):
            continue
        response = client.get(url)
        fetched += 1
        content = body_bytes(response)
        text = text_of(response, content)
        links = LINK.findall(text) if "html" in response.get("Content-Type", "") else []
        if response.get("Location"):
            links.append(response["Location"])
        yield url, response, text, links
        if not follow:
            continue
        for link in links:
            absolute = urljoin(url, link.replace("&amp;", "&"))
            parts = urlsplit(absolute)
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)


def headers_of(response) -> str:
    return " ".join(f"{k}: {v}" for k, v in response.items())


def leaks(text: str, forbidden) -> list[str]:
    return [s for s in forbidden if s in text]


def read_everything(world: World, persona: str, *, with_api: bool = True):
    pages = list(crawl(world.clients[(persona, False)], page_seeds(world), follow=True))
    api = list(crawl(world.clients[(persona, True)], api_seeds(world), follow=False)) if with_api else []
    return pages + api


# ---------------------------------------------------------------------------------------
# The proofs


# Who reads the second case's names: its school and its county office.
OTHER_FULL = ("chair_y", "officer_y")


def _forbidden_for(persona: str) -> tuple[str, ...]:
    other = () if persona in OTHER_FULL else OTHER
    if persona in MASKED_VIEWERS:
        return NEVER + other
    return NEVER + other + tuple(MARKERS.values()) + tuple(MASKED.values())


@pytest.mark.parametrize("persona", MASKED_VIEWERS + BLIND)
def test_an_outsider_never_receives_a_name_or_a_student_number(planted, db, caplog, persona):
    caplog.set_level(logging.DEBUG)
    forbidden = _forbidden_for(persona)

    answers = read_everything(planted, persona)

    problems = []
    for url, response, text, links in answers:
        assert response.status_code < 500, (url, response.status_code)
        if persona in MASKED_VIEWERS and _view_name(url) in KNOWN_LEAKS:
            continue
        found = leaks(text, forbidden) + leaks(headers_of(response), forbidden)
        if found:
            problems.append(f"{url} ({response.status_code}, {response.get('Content-Type')}): {found}")
        for link in links:
            if leaks(link, NAMES + ENCODED + STUDENT_NOS):
                problems.append(f"{url}: a name in the link {link}")
    assert problems == [], "\n".join(problems)
    assert len(answers) >= 20  # the crawl really read the portal
    if persona in MASKED_VIEWERS:  # ... and the documents: PDFs and workbooks
        kinds = {r.get("Content-Type", "").split(";")[0] for _u, r, _t, _l in answers if r.status_code == 200}
        assert {"application/pdf", XLSX} <= kinds, kinds
    assert [r.getMessage() for r in caplog.records if leaks(_record_text(r), NEVER)] == []


def _view_name(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return ""


@pytest.mark.parametrize("persona", MASKED_VIEWERS)
def test_the_appeal_page_masks_every_name_for_the_city_and_province(planted, db, persona):
    appeal = planted.get("appeal", "A")

    response = planted.clients[(persona, False)].get(reverse("appeals:detail", kwargs={"pk": appeal.pk}))

    assert response.status_code == 200
    assert leaks(response.content.decode(), NEVER) == []


@pytest.mark.parametrize("persona", BLIND)
def test_an_outsider_cannot_open_the_case_at_all(planted, db, persona):
    case, appeal = planted.get("case", "A"), planted.get("appeal", "A")
    api, page = planted.clients[(persona, True)], planted.clients[(persona, False)]

    answers = {
        "api detail": api.get(reverse("case-detail", kwargs={"pk": case.pk})).status_code,
        "api pdf": api.get(reverse("case-pdf", kwargs={"pk": case.pk})).status_code,
        "api timeline": api.get(reverse("case-timeline", kwargs={"pk": case.pk})).status_code,
        "api appeal": api.get(reverse("appeal-detail", kwargs={"pk": appeal.pk})).status_code,
        "page": page.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code,
        "page pdf": page.get(reverse("cases:pdf", kwargs={"pk": case.pk})).status_code,
        "appeal page": page.get(reverse("appeals:detail", kwargs={"pk": appeal.pk})).status_code,
    }

    assert set(answers.values()) == {404}, answers


@pytest.mark.parametrize("persona", MASKED_VIEWERS)
def test_the_city_and_province_see_the_case_with_names_masked(planted, db, persona):
    case = planted.get("case", "A")
    api, page = planted.clients[(persona, True)], planted.clients[(persona, False)]

    detail = api.get(reverse("case-detail", kwargs={"pk": case.pk}))
    html = page.get(reverse("cases:detail", kwargs={"pk": case.pk}))
    pdf = api.get(reverse("case-pdf", kwargs={"pk": case.pk}))

    body = detail.json()
    assert body["names_masked"] is True
    assert sorted(p["name"] for p in body["parties"]) == sorted(MASKED[n] for n in (VICTIM, PERPETRATOR, WITNESS))
    assert {p["student_no"] for p in body["parties"]} == {""}
    assert MASKED[VICTIM] in body["summary"] and MARKERS["summary"] in body["summary"]
    for response in (detail, html, pdf):
        text = text_of(response, body_bytes(response))
        assert leaks(text, NEVER) == []
        assert MASKED[VICTIM] in text, response.get("Content-Type")


@pytest.mark.parametrize("persona", FULL)
def test_no_name_is_ever_in_a_url_even_for_those_who_may_read_it(planted, db, caplog, persona):
    caplog.set_level(logging.DEBUG)

    answers = read_everything(planted, persona, with_api=False)

    bad = [
        (url, link)
        for url, response, _text, links in answers
        for link in [url, *links]
        if leaks(link, NAMES + ENCODED + STUDENT_NOS)
    ]
    assert bad == []
    # They do read the names (the canaries are really planted where they look).
    assert any(VICTIM in text for _u, _r, text, _l in answers)
    assert [r.getMessage() for r in caplog.records if leaks(_record_text(r), NEVER)] == []


def _record_text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += " " + repr(record.exc_info[1])
    return text + " " + str(getattr(record, "request", "") or "")


def test_no_log_record_of_the_planting_names_a_child(planted):
    records = planted.extras["build_logs"]

    assert [r.getMessage() for r in records if leaks(_record_text(r), NEVER + OTHER)] == []


def test_no_name_in_the_chronology_or_the_audit_log(planted, db):
    from bullying.audit.models import AuditEvent
    from cases.models import TimelineEntry

    rows = [
        (e.kind, e.text, json.dumps(e.data, ensure_ascii=False))
        for e in TimelineEntry.objects.filter(case__school=planted.units["A"])
    ]
    audit = [
        (a.action, a.object_type, a.object_id, json.dumps(a.detail, ensure_ascii=False, default=str))
        for a in AuditEvent.objects.all()
    ]

    assert rows and audit
    assert [r for r in rows if leaks(" ".join(r), NEVER)] == []
    assert [a for a in audit if leaks(" ".join(map(str, a)), NEVER + OTHER)] == []


def test_notifications_and_e_mails_carry_no_name_after_the_sweep(
    planted, db, mailoutbox, django_capture_on_commit_callbacks
):
    """GIVEN everyone has an e-mail address and the investigation of the pending case is
    long overdue, WHEN the reminder sweep runs (and every notification is e-mailed),
    THEN no notification, link or e-mail names a child, a student number or a marker."""
    from bullying.deadlines.models import Notification
    from bullying.deadlines.notifications import notification_send_email
    from bullying.deadlines.reminders import reminders_sweep

    for name, user in planted.users.items():
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    later = timezone.now() + timedelta(days=40)

    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep()
        for pk in Notification.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True):
            notification_send_email(notification_id=pk)

    assert result.notifications > 0 and result.escalations_opened > 0
    notifications = list(Notification.objects.values_list("title", "link"))
    assert notifications and mailoutbox
    forbidden = NEVER + ENCODED + tuple(MARKERS.values()) + OTHER + ENCODED_OTHER
    assert [n for n in notifications if leaks(" ".join(n), forbidden)] == []
    assert [m.subject for m in mailoutbox if leaks(f"{m.subject}\n{m.body}\n{m.to}", forbidden)] == []
    # And the notification centre of those chased shows none either.
    for persona in ("chair_a", "officer_x"):
        for url in ("/notifications/", "/api/v1/notifications/"):
            client = planted.clients[(persona, url.startswith("/api/"))]
            text = client.get(url).content.decode()
            assert leaks(text, forbidden) == [], (persona, url)


# ---------------------------------------------------------------------------------------
# Purpose-bound unmasking (cases.models.UnmaskGrant)


# Records that mention a granted case's children but are not the case's own pages: a
# grant does not open them (cases/appeals/selectors.py ``can_see_names``).
GRANT_STAYS_MASKED = ("appeals:list", "appeal-list", "appeals:detail", "appeal-detail")


def grant_for(world: World, persona: str, *, decide: bool = True):
    """``persona`` asks to see the names of the planted case; the other official approves."""
    grant = services.unmask_request(actor=world.users[persona], case=world.get("case", "A"), purpose=PURPOSE)
    if decide:
        grant = services.unmask_decide(actor=world.users[APPROVER[persona]], grant=grant, approve=True, note="同意。")
    return grant


def own_documents_of(case) -> tuple[str, ...]:
    """Where a grant for ``case`` may show its names: the case's own pages and documents."""
    return (f"/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/")


def case_reads(case, persona: str, since: int) -> list:
    from bullying.audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(
            pk__gt=since, action="case.read", actor__username=persona, object_id=str(case.pk)
        ).order_by("pk")
    )


def _last_audit_id() -> int:
    from bullying.audit.models import AuditEvent

    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("persona", MASKED_VIEWERS)
def test_an_approved_grant_shows_that_case_s_names_there_and_nowhere_else(planted, db, caplog, persona):
    """GIVEN a city or province official whose request to see the planted case's names a
    second official approved, WHEN the official crawls everything they can reach, THEN
    the names are on the case's own pages and documents only; no list, export, dashboard,
    notification, appeal or report page and no log record carries them; the other case's
    names are nowhere; and every read of the case names the grant in the audit log."""
    caplog.set_level(logging.DEBUG)
    case, other = planted.get("case", "A"), planted.get("case", "YS")
    grant = grant_for(planted, persona)
    assert grant.is_active
    since = _last_audit_id()

    answers = read_everything(planted, persona)

    own = own_documents_of(case)
    problems, revealed = [], set()
    for url, response, text, links in answers:
        assert response.status_code < 500, (url, response.status_code)
        where = text + " " + headers_of(response)
        allowed_here = urlsplit(url).path.startswith(own)
        forbidden = OTHER + (() if allowed_here else NEVER)
        found = leaks(where, forbidden)
        if found:
            problems.append(f"{url} ({response.status_code}, {response.get('Content-Type')}): {found}")
        if allowed_here and response.status_code == 200:
            revealed.update(leaks(where, NEVER))
        for link in [url, *links]:
            if leaks(link, NAMES + ENCODED + STUDENT_NOS + OTHER + ENCODED_OTHER):
                problems.append(f"{url}: a name in the link {link}")
    assert problems == [], "\n".join(problems)
    # The grant works: the case's page and its JSON show the children's real names.
    assert {VICTIM, PERPETRATOR, WITNESS} <= revealed, revealed
    api = planted.clients[(persona, True)].get(reverse("case-detail", kwargs={"pk": case.pk})).json()
    assert api["names_masked"] is False
    assert sorted(p["name"] for p in api["parties"]) == sorted((VICTIM, PERPETRATOR, WITNESS))
    assert STUDENT_NOS[0] in json.dumps(api, ensure_ascii=False)
    html = planted.clients[(persona, False)].get(reverse("cases:detail", kwargs={"pk": case.pk}))
    assert VICTIM in html.content.decode()
    # ... and only for that case: the other one stays masked.
    body = planted.clients[(persona, True)].get(reverse("case-detail", kwargs={"pk": other.pk})).json()
    assert body["names_masked"] is True and leaks(json.dumps(body, ensure_ascii=False), OTHER) == []

    # Every read of the case under the grant is audited with the grant's id (the web
    # page, the API, the PDF …); reads of the other case name no grant.
    reads = case_reads(case, persona, since)
    assert {r.detail.get("via") for r in reads} >= {"web", "api", "pdf"}, [r.detail for r in reads]
    assert [r.detail for r in reads if r.detail.get("unmask_grant") != grant.pk] == []
    assert [r.detail for r in case_reads(other, persona, since) if "unmask_grant" in r.detail] == []
    # Notifications (the decision sent to the requester among them) and logs name nobody.
    from bullying.deadlines.models import Notification

    titles = list(Notification.objects.filter(recipient__username=persona).values_list("title", "link"))
    assert any(n for n in titles), "the requester was told of the decision"
    forbidden_everywhere = NEVER + OTHER + ENCODED + ENCODED_OTHER
    assert [t for t in titles if leaks(" ".join(t), forbidden_everywhere)] == []
    assert [r.getMessage() for r in caplog.records if leaks(_record_text(r), NEVER + OTHER)] == []


def _expired_grant(world: World, persona: str):
    """A grant approved longer ago than it lasts (the clock moved back to make it)."""
    from django.conf import settings

    with time_machine.travel(timezone.now() - timedelta(hours=settings.UNMASK_HOURS + 1), tick=False):
        return grant_for(world, persona)


@pytest.mark.parametrize("state", ["requested", "expired"])
@pytest.mark.parametrize("persona", MASKED_VIEWERS)
def test_a_grant_only_requested_or_expired_reveals_nothing(planted, db, caplog, persona, state):
    caplog.set_level(logging.DEBUG)
    case = planted.get("case", "A")
    grant = grant_for(planted, persona, decide=False) if state == "requested" else _expired_grant(planted, persona)
    assert not grant.is_active
    since = _last_audit_id()
    page, api = planted.clients[(persona, False)], planted.clients[(persona, True)]
    urls = [
        (page, reverse("cases:detail", kwargs={"pk": case.pk})),
        (page, reverse("cases:pdf", kwargs={"pk": case.pk})),
        (page, reverse("cases:list")),
        (api, reverse("case-detail", kwargs={"pk": case.pk})),
        (api, reverse("case-timeline", kwargs={"pk": case.pk})),
        (api, reverse("case-measures", kwargs={"pk": case.pk})),
        (api, reverse("case-pdf", kwargs={"pk": case.pk})),
        (api, reverse("case-list")),
    ]

    problems = []
    for client, url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        text = text_of(response, body_bytes(response))
        found = leaks(text + " " + headers_of(response), NEVER + OTHER)
        if found:
            problems.append(f"{url}: {found}")
    assert problems == [], "\n".join(problems)
    assert api.get(reverse("case-detail", kwargs={"pk": case.pk})).json()["names_masked"] is True
    reads = case_reads(case, persona, since)
    assert reads and [r.detail for r in reads if "unmask_grant" in r.detail] == []
    assert [r.getMessage() for r in caplog.records if leaks(_record_text(r), NEVER + OTHER)] == []


def _appeal_url(world: World, view: str) -> str:
    appeal = world.get("appeal", "A")
    return (
        reverse(view, kwargs={"pk": appeal.pk}) if view.endswith(("_detail", "-detail", ":detail")) else reverse(view)
    )


@pytest.mark.parametrize("view", GRANT_STAYS_MASKED)
def test_a_grant_for_a_case_does_not_unmask_its_appeal(planted, db, view):
    grant_for(planted, "city_a")
    client = planted.clients[("city_a", ":" not in view)]

    response = client.get(_appeal_url(planted, view))

    assert response.status_code == 200
    text = text_of(response, body_bytes(response))
    assert leaks(text, NEVER + OTHER) == []
    assert "**" in text  # the appeal is there, masked
