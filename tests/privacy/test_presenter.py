"""The privacy presenter (``cases.privacy``) is the only place that decides what a viewer
sees of a child, and every interface shows exactly what it decides.

GIVEN two closed cases of school A with canaries in every name-bearing and free-text
field (``tests/privacy/conftest.py``) — P with an appeal under review, its panel formed;
Q with an appeal decided and filed with the city —
WHEN each viewer (the school's committee chair, its county officer, a member of P's
review panel, the city officer, the province officer, a city officer holding an approved
unmask grant for P) reads each interface (case page, case API detail/timeline/measures,
case PDF, notice PDF, appeal page, appeal API, appeal PDF, report draft, Excel export),
THEN for every field the interface renders, the text holds the value the presenter gives
for that viewer (not less), the raw value is absent wherever the presenter changes it,
and an interface read wholly masked holds none of the case's names, student numbers,
grade or class (not more).

And every text field of the case, appeal and reporting models has a decision in
``FIELD_POLICY``: a field added without one fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from cases.models import PartyRole
from cases.privacy import FIELD_POLICY, ChildPrivacy, Kind, privacy_for, privacy_masked
from cases.services import current_determination
from tests.privacy.conftest import VIEWERS, Canaries, P, Q
from tests.security.test_canaries import body_bytes, text_of

CASE, APPEAL, OUTSIDE = "case", "appeal", "outside"


def presenter(rule: str, viewer, case) -> ChildPrivacy:
    """The presenter an interface must use: the case's own pages (a grant counts), the
    appeal's (a grant does not), or a document that leaves the school and county."""
    if rule == OUTSIDE:
        return privacy_masked(case)
    return privacy_for(viewer, case, with_grant=rule == CASE)


# ---------------------------------------------------------------------------------------
# The presenter's decisions themselves


# (viewer, case key) → (sees names on the case's pages, sees names in its appeal)
DECISIONS = {
    ("chair_a", "P"): (True, True),
    ("officer_x", "P"): (True, True),
    ("panel_expert_x", "P"): (True, True),
    ("city_a", "P"): (False, False),
    ("province", "P"): (False, False),
    ("city_granted", "P"): (True, False),
    ("city_granted", "Q"): (False, False),
    ("city_a", "Q"): (False, False),
    ("chair_a", "Q"): (True, True),
}


@pytest.mark.parametrize(("viewer", "key"), list(DECISIONS))
def test_the_presenter_decides_by_the_access_rule(privacy_world, db, viewer, key):
    case = privacy_world.get("case", key)
    user = privacy_world.users[viewer]

    decided = (privacy_for(user, case).show_names, privacy_for(user, case, with_grant=False).show_names)

    assert decided == DECISIONS[(viewer, key)]
    assert privacy_masked(case).show_names is False


def test_a_masked_presenter_hides_every_kind(privacy_world, db):
    case = privacy_world.get("case", "P")
    privacy = privacy_masked(case)
    victim = case.parties.get(role=PartyRole.VICTIM)

    assert privacy.name(victim) == "甄**"
    assert privacy.student_no(victim) == ""
    assert privacy.grade_class(victim) == ""
    assert privacy.guardian(f"{P.victim}母亲") == "（已隐去）"
    assert privacy.text(P.text("经过")) == f"甄**{'*' * len(P.numbers[0])}P经过"
    assert privacy.file_name("甄小蕾照片.png", otherwise="附件 1") == "附件 1"
    assert privacy.appellant_name(privacy_world.get("appeal", "P")) == "甄**"
    assert privacy.apply(Kind.STAFF, "德育主任") == "德育主任"
    assert privacy.apply(Kind.CODE, "closed") == "closed"


# ---------------------------------------------------------------------------------------
# Every interface shows what the presenter decides


@dataclass(frozen=True)
class Interface:
    name: str
    rule: str  # CASE, APPEAL or OUTSIDE: which presenter the interface must use
    url: Callable  # (world, key) → URL, or None when the interface does not apply
    api: bool
    fields: tuple[str, ...]  # "object.field", or "object.field@rule" for another rule
    readers: dict[str, set[str]] = field(default_factory=dict)  # key → who gets 200


ALL = set(VIEWERS)
NOT_PANEL = ALL - {"panel_expert_x"}
CASE_READERS = {"P": ALL, "Q": NOT_PANEL}
PARTY = ("party.name", "party.student_no", "party.grade", "party.class_name")
CASE_TEXT = ("case.location", "case.summary", "case.closing_summary")


def _case_url(view):
    return lambda world, key: reverse(view, kwargs={"pk": world.get("case", key).pk})


def _appeal_url(view, only=None):
    def url(world, key):
        if only and key not in only:
            return None
        return reverse(view, kwargs={"pk": world.get("appeal", key).pk})

    return url


def _draft_url(world, key):
    return reverse("reporting:report_new") + f"?case={world.get('case', key).pk}&kind=final"


INTERFACES = [
    Interface(
        "case page",
        CASE,
        _case_url("cases:detail"),
        False,
        (
            *PARTY,
            "case.location",
            "case.summary",
            "determination.reasoning",
            "determination.members_present_note",
            "measure.description",
            "measure.responsible",
            "approved_measure.approval_authority",
            "notice.guardian",
            "notice.content",
            "follow_up.note",
            "attachment.description",
            "timeline.text",
            # The appeals section: the appeal's own record, which a grant does not open.
            "appeal.appellant_relation@appeal",
        ),
        CASE_READERS,
    ),
    Interface(
        "case API detail",
        CASE,
        _case_url("case-detail"),
        True,
        (
            *PARTY,
            *CASE_TEXT,
            "determination.reasoning",
            "measure.description",
            "measure.responsible",
            "measure.approval_authority",
            "notice.guardian",
            "notice.content",
            "follow_up.note",
        ),
        CASE_READERS,
    ),
    Interface("case API timeline", CASE, _case_url("case-timeline"), True, ("timeline.text",), CASE_READERS),
    Interface(
        "case API measures",
        CASE,
        _case_url("case-measures"),
        True,
        ("measure.description", "measure.responsible", "measure.approval_authority"),
        CASE_READERS,
    ),
    Interface(
        "case PDF",
        CASE,
        _case_url("cases:pdf"),
        False,
        (
            *PARTY,
            *CASE_TEXT,
            "determination.reasoning",
            "determination.members_present_note",
            "measure.description",
            "measure.responsible",
            "approved_measure.approval_authority",
            "notice.guardian",
            "notice.content",
            "follow_up.note",
            "timeline.text",
            "attachment.description",
            "attachment.original_name",
        ),
        CASE_READERS,
    ),
    Interface(
        "notice PDF",
        OUTSIDE,
        _case_url("cases:notice_pdf"),
        False,
        ("principal.name",),
        {"P": {"chair_a"}, "Q": {"chair_a"}},
    ),
    Interface(
        "appeal page",
        APPEAL,
        _appeal_url("appeals:detail"),
        False,
        (
            "appeal.appellant_name",
            "appeal.appellant_relation",
            "appeal.grounds",
            "appeal.acceptance_reasons",
            "appeal.decision_opinion",
            "appeal.agreement_note",
            "appeal.filing_note",
            "appeal_attachment.original_name",
            "case.summary",
            "case.location",
            "determination.reasoning",
            "party.name",
            "party.grade",
            "party.class_name",
            "timeline.text",
        ),
        {"P": {"chair_a", "officer_x", "panel_expert_x"}, "Q": NOT_PANEL},
    ),
    Interface(
        "appeal API",
        APPEAL,
        _appeal_url("appeal-detail"),
        True,
        (
            "appeal.appellant_name",
            "appeal.appellant_relation",
            "appeal.grounds",
            "appeal.acceptance_reasons",
            "appeal.decision_opinion",
            "appeal.agreement_note",
            "appeal.filing_note",
        ),
        {"P": {"chair_a", "officer_x", "panel_expert_x"}, "Q": NOT_PANEL},
    ),
    Interface(
        "appeal PDF",
        OUTSIDE,
        _appeal_url("appeals:notice_pdf", only={"Q"}),  # P's review is not decided yet
        False,
        ("principal.name", "appeal.appellant_relation", "appeal.decision_opinion"),
        {"Q": NOT_PANEL},
    ),
    Interface(
        "report draft",
        OUTSIDE,
        _draft_url,
        False,
        ("case.location", "case.summary", "case.closing_summary", "principal.name", "party.grade", "party.class_name"),
        {"P": {"chair_a"}, "Q": {"chair_a"}},
    ),
]


def objects_of(world, key: str, what: str) -> list:
    case, appeal = world.get("case", key), world.get("appeal", key)
    parties = list(case.parties.order_by("role", "pk"))
    return {
        "case": [case],
        "party": parties,
        "principal": [p for p in parties if p.role in (PartyRole.VICTIM, PartyRole.PERPETRATOR)],
        "determination": [current_determination(case)],
        "measure": list(case.measures.all()),
        "approved_measure": list(case.measures.filter(approved_on__isnull=False)),
        "notice": list(case.parent_notices.all()),
        "follow_up": list(case.follow_ups.all()),
        "attachment": list(case.attachments.all()),
        "timeline": list(case.timeline.all()),
        "appeal": [appeal],
        "appeal_attachment": list(appeal.attachments.all()),
    }[what]


def squeeze(text: str) -> str:
    # A PDF line may break inside a value: compare without white space.
    return "".join(text.split())


def sensitive(c: Canaries) -> tuple[str, ...]:
    """What a wholly masked reading must never hold."""
    return (*c.names, c.appellant, *c.numbers, c.grade, c.class_name)


def _cases():
    return [(iface, key) for iface in INTERFACES for key in ("P", "Q") if key in iface.readers]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("iface", "key"), _cases(), ids=lambda v: v.name if isinstance(v, Interface) else v)
def test_each_interface_shows_what_the_presenter_decides(privacy_world, db, iface, key, viewer):
    world = privacy_world
    url = iface.url(world, key)
    if url is None:
        pytest.skip(f"{iface.name} does not apply to {key}")
    user, case = world.users[viewer], world.get("case", key)

    response = world.clients[(viewer, iface.api)].get(url)

    if viewer not in iface.readers[key]:
        assert response.status_code in (403, 404), (url, response.status_code)
        return
    assert response.status_code == 200, (url, response.status_code)
    text = squeeze(text_of(response, body_bytes(response)))
    missing, shown, rules = [], [], set()
    for spec in iface.fields:
        path, _, rule = spec.partition("@")
        rule = rule or iface.rule
        rules.add(rule)
        privacy = presenter(rule, user, case)
        what, name = path.split(".")
        for obj in objects_of(world, key, what):
            raw = getattr(obj, name)
            if not raw:
                continue
            expected = privacy.field(obj, name)
            if expected and squeeze(expected) not in text:
                missing.append(f"{path}: {expected!r}")
            if expected != raw and squeeze(raw) in text:
                shown.append(f"{path}: {raw!r}")
    planted = P if key == "P" else Q
    other = Q if key == "P" else P
    if all(presenter(rule, user, case).masked for rule in rules):
        shown += [f"canary {s!r}" for s in sensitive(planted) if s in text]
    shown += [f"the other case's {s!r}" for s in sensitive(other) if s in text]
    assert (missing, shown) == ([], []), f"{iface.name} differs from the presenter's decision for {viewer}"


EXCEL_READERS = {"chair_a", "officer_x", "city_a", "province", "city_granted"}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_excel_export_carries_no_child_data(privacy_world, db, viewer):
    """Lists carry case numbers only, whoever exports them (a grant opens the case's own
    pages, not exports). The grade distribution counts cases per grade, an aggregate
    with no name beside it, so the grade itself is not a canary here."""
    response = privacy_world.clients[(viewer, False)].get(reverse("reporting:dashboard_export"))

    if viewer not in EXCEL_READERS:
        assert response.status_code in (403, 404)
        return
    assert response.status_code == 200
    text = text_of(response, body_bytes(response))
    markers = [c.text(m) for c in (P, Q) for m in ("经过", "地点", "理由", "措施", "告知", "跟踪", "结案")]
    forbidden = [s for c in (P, Q) for s in sensitive(c) if s != c.grade] + [squeeze(m) for m in markers]
    assert [s for s in forbidden if s in text] == []


def test_notifications_carry_no_child_data(privacy_world, db):
    from bullying.deadlines.models import Notification

    rows = [" ".join(row) for row in Notification.objects.values_list("title", "link")]
    forbidden = [s for c in (P, Q) for s in (*sensitive(c), c.tag + "经过")]

    assert rows  # the services did notify (the panel, the unmask request and decision)
    assert [r for r in rows if any(s in r for s in forbidden)] == []


def test_the_report_draft_is_written_as_the_office_above_reads_it(privacy_world, db):
    from reporting.services import report_draft

    case = privacy_world.get("case", "P")

    draft = report_draft(case=case, kind="final")

    assert "甄**" in draft and "贾**" in draft
    assert [s for s in sensitive(P) if s in draft] == []
    assert privacy_masked(case).text(P.text("经过")) in draft


# ---------------------------------------------------------------------------------------
# Completeness of the registry


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _text_fields():
    found = []
    for label in ("cases", "appeals", "reporting"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.abstract or model._meta.proxy:
                continue
            found += [(model, f) for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
    # Models of the apps above that hold free text about a case (a foreign key to it).
    for model in apps.get_app_config("inspections").get_models():
        if any(f.is_relation and f.related_model is apps.get_model("cases", "Case") for f in model._meta.fields):
            found += [(model, f) for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
    return found


def test_every_text_field_of_a_case_model_has_a_privacy_decision():
    fields = _text_fields()

    missing = [f"{m._meta.label}.{f.name}" for m, f in fields if (m._meta.label, f.name) not in FIELD_POLICY]

    assert fields
    assert missing == [], f"name a privacy decision in cases.privacy.FIELD_POLICY for {missing}"


def test_the_registry_names_only_fields_that_exist():
    stale = []
    for (label, name), kind in FIELD_POLICY.items():
        assert isinstance(kind, Kind)
        try:
            apps.get_model(label)._meta.get_field(name)
        except LookupError:
            stale.append(f"{label}.{name}")
        except Exception:  # FieldDoesNotExist
            stale.append(f"{label}.{name}")
    assert stale == []


def test_a_field_without_a_decision_is_masked_as_free_text(privacy_world, db):
    """Fail closed: a field the registry does not know is redacted like free text."""
    case = privacy_world.get("case", "P")
    privacy = privacy_masked(case)
    victim = case.parties.get(role=PartyRole.VICTIM)

    assert privacy.apply(None, f"{P.victim}的情况") == "甄**的情况"
    assert privacy.wrap(victim).name == "甄**"
    assert privacy.wrap(victim).get_role_display() == "受欺凌学生"
