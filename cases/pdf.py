"""Printable documents of a case: the case file (专门档案) and the determination notice
to parents (认定结果告知书). HTML from Django templates, laid out by WeasyPrint.

Privacy (政策清单第33项；山西通知三.3): children's names and student numbers appear only
for viewers who may see them (``selectors.can_see_names``); everyone else gets ``甄**``.
The notice to parents may be forwarded, so it never carries a full name, whoever prints it.
Free text written by staff (summary, reasoning, notes) may mention a child by name; before
it reaches a masked document, every party's full name in it is replaced by the masked form.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.text.fonts import FontConfiguration

from accounts.models import User
from bullying.errors import ApplicationError
from cases import selectors, services
from cases.models import Case, Determination, Measure, MeasureKind, Party, PartyRole, Severity
from cases.privacy import Redactor

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROLE_ORDER = {PartyRole.VICTIM: 0, PartyRole.PERPETRATOR: 1, PartyRole.WITNESS: 2}


def _party_label(party: Party | None, redact: Redactor) -> dict | None:
    if party is None:
        return None
    return {"role": party.get_role_display(), "name": redact.name(party)}


# ---------------------------------------------------------------------------
# Dates


def _cn_date(day: date | None) -> str:
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, SHANGHAI) if moment else None


# ---------------------------------------------------------------------------
# Rendering

_css_cache: str | None = None


def _css() -> str:
    # Read once per process: the stylesheet is a plain file with no template tags.
    global _css_cache
    if _css_cache is None or settings.DEBUG:
        _css_cache = render_to_string("cases/pdf/pdf.css")
    return _css_cache


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    # Reusing one FontConfiguration keeps Pango's font caches warm between documents
    # (about 15% of the render time). It is not safe to share across threads, so each
    # thread keeps its own.
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def _render(template: str, context: dict) -> bytes:
    html = render_to_string(template, {**context, "css": _css()})
    font_config = _font_config()
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(font_config=font_config)


def _common(case: Case, viewer: User) -> dict:
    now = _local(timezone.now())
    school = case.school
    county = school.parent
    return {
        "case": case,
        "school": school,
        "county_name": county.name if county else "",
        "printed_at": now,
        "printed_on_cn": _cn_date(now.date()),
        "printed_by": viewer.display_name,
    }


# ---------------------------------------------------------------------------
# The case file (专门档案)


def case_file_pdf(*, case: Case, viewer: User) -> bytes:
    """The case's special file (学生欺凌事件专门档案) as A4 PDF bytes.

    The caller has already checked that ``viewer`` may read ``case`` (the scoped
    queryset); this function decides only what of it the viewer may see.
    """
    case = Case.objects.select_related("school", "school__parent", "reported_by").get(pk=case.pk)
    show_names = selectors.can_see_names(viewer, case)
    parties = sorted(case.parties.all(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))
    redact = Redactor(parties, active=not show_names)
    by_id = {p.pk: p for p in parties}

    determination = services.current_determination(case)
    members = []
    if determination is not None:
        determination = Determination.objects.select_related("signed_off_by", "recorded_by").get(pk=determination.pk)
        members = [u.display_name for u in determination.members_present.order_by("name", "username")]

    measures = [
        {
            "kind": m.get_kind_display(),
            "description": redact(m.description),
            "target": _party_label(by_id.get(m.party_id), redact),
            "responsible": m.responsible,
            "decided_on": m.decided_on,
            "due_on": m.due_on,
            "completed_on": m.completed_on,
            "is_plan": m.kind == MeasureKind.EDUCATION_PLAN,
            "planned_hours": m.planned_hours,
            "completed_hours": m.completed_hours,
            "approval": f"{m.approval_authority} {m.approved_on:%Y-%m-%d}" if m.approved_on else "",
        }
        for m in case.measures.order_by("decided_on", "id")
    ]
    notices = [
        {
            "on": n.on,
            "direction": n.get_direction_display(),
            "method": n.get_method_display(),
            "party": _party_label(by_id.get(n.party_id), redact),
            # The guardian's own name is family information (政策清单第33项).
            "guardian": n.guardian if show_names else "（已隐去）",
            "content": redact(n.content),
        }
        for n in case.parent_notices.order_by("on", "id")
    ]
    follow_ups = [
        {"on": f.on, "party": _party_label(by_id.get(f.party_id), redact), "note": redact(f.note)}
        for f in case.follow_ups.order_by("on", "id")
    ]
    timeline = [
        {"on": t.on, "text": redact(t.text), "actor": t.actor.display_name if t.actor else "系统"}
        for t in case.timeline.select_related("actor").order_by("at", "id")
    ]
    attachments = [
        {
            "uploaded_at": _local(a.uploaded_at),
            "name": redact(a.original_name) if show_names else f"附件 {i}",
            "description": redact(a.description),
            "size_kb": max(1, round(a.size / 1024)),
        }
        for i, a in enumerate(case.attachments.order_by("uploaded_at", "id"), start=1)
    ]
    context = {
        **_common(case, viewer),
        "show_names": show_names,
        "occurred_at": _local(case.occurred_at),
        "location": redact(case.location),
        "summary": redact(case.summary),
        "closing_summary": redact(case.closing_summary),
        "parties": [
            {
                "role": p.get_role_display(),
                "name": redact.name(p),
                "student_no": p.student_no if show_names else "",
                "grade": p.grade,
                "class_name": p.class_name,
                "is_external": p.is_external,
            }
            for p in parties
        ],
        "due_steps": list(case.investigation_due_steps or []),
        "determination": determination,
        "determination_reasoning": redact(determination.reasoning) if determination else "",
        "members_present": members,
        "members_present_note": redact(determination.members_present_note) if determination else "",
        "measures": measures,
        "notices": notices,
        "follow_ups": follow_ups,
        "timeline": timeline,
        "attachments": attachments,
    }
    return _render("cases/pdf/case_file.html", context)


# ---------------------------------------------------------------------------
# The determination notice to parents (认定结果告知书)


def _measure_summary(measures: Iterable[Measure]) -> list[tuple[str, list[str]]]:
    """Measure labels grouped by whom they address, each label once, in decision order."""
    groups: dict[str, list[str]] = {}
    for m in measures:
        if m.kind == MeasureKind.POLICE_REFERRAL:
            key = "依法处理"
        elif m.party is not None and m.party.role == PartyRole.VICTIM:
            key = "对受欺凌学生"
        else:
            key = "对实施欺凌学生"
        labels = groups.setdefault(key, [])
        label = str(m.get_kind_display())
        if label not in labels:
            labels.append(label)
    order = ["对实施欺凌学生", "对受欺凌学生", "依法处理"]
    return [(k, groups[k]) for k in order if k in groups]


def determination_notice_pdf(*, case: Case, viewer: User) -> bytes:
    """认定结果告知书 to the parents or guardians, as A4 PDF bytes.

    Raises ``ApplicationError`` when the committee has made no determination yet. An
    unsigned determination is printed with a draft mark: it is not final until the
    chair signs it off.
    """
    case = Case.objects.select_related("school", "school__parent").get(pk=case.pk)
    determination = services.current_determination(case)
    if determination is None:
        raise ApplicationError("尚未作出认定，无法生成告知书。")
    parties = sorted(case.parties.all(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))
    # Always masked, whoever prints it: the notice leaves the school. Witnesses are not
    # named at all (政策清单第33项).
    named = [
        {"role": p.get_role_display(), "name": p.masked_name}
        for p in parties
        if p.role in (PartyRole.VICTIM, PartyRole.PERPETRATOR)
    ]
    measures = case.measures.select_related("party").order_by("decided_on", "id")
    context = {
        **_common(case, viewer),
        "determination": determination,
        "severity_label": Severity(determination.severity).label if determination.severity else "",
        "signed": determination.signed_off_by_id is not None,
        "occurred_on_cn": _cn_date(_local(case.occurred_at).date()),
        "meeting_on_cn": _cn_date(determination.meeting_on),
        "decided_on_cn": _cn_date(determination.decided_on),
        "parties": named,
        "measure_groups": _measure_summary(measures),
    }
    return _render("cases/pdf/determination_notice.html", context)
