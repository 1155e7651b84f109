"""Appeal fixtures: a frozen "today", a case of school A determined by its committee
through the real services, and helpers that walk an appeal through its steps.

Time line (2026 official calendar; National Day holiday 10-01..10-07, make-up working
days Sunday 09-20 and Saturday 10-10)::

    09-01 Tue  case reported          09-22 Tue  appeal received
    09-02 Wed  investigation          09-24 Thu  accepted for review → due 10-09 Fri
    09-08 Tue  determined (chair_a,   09-25 Fri  panel formed
               member_a present)      10-08 Thu  decided (on time)
    09-09 Wed  measures (handling)    10-12 Mon  decided late
                                      10-20 Tue  "today"
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cases import services
from cases.appeals import services as appeal_services
from cases.appeals.models import Appeal
from cases.models import Case, MeasureKind, PartyRole, TimelineEntry
from tests.conftest import stop_the_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 10, 20)
TOMORROW = date(2026, 10, 21)

REPORTED_ON = date(2026, 9, 1)
STARTED_ON = date(2026, 9, 2)
DETERMINED_ON = date(2026, 9, 8)
HANDLED_ON = date(2026, 9, 9)
RECEIVED_ON = date(2026, 9, 22)
ACCEPTED_ON = date(2026, 9, 24)
REVIEW_DUE = date(2026, 10, 9)  # day 15 is Friday 10-09, a working day: no extension
PANEL_ON = date(2026, 9, 25)
DECIDED_ON = date(2026, 10, 8)
LATE_ON = date(2026, 10, 12)
FILED_ON = date(2026, 10, 15)

VICTIM = "龚晓蕾"
PERPETRATOR = "韦大鹏"
WITNESS = "俞小溪"
APPELLANT = "龚建华"
CANARIES = (VICTIM, PERPETRATOR, WITNESS, APPELLANT)


def leaked(text) -> list[str]:
    return [name for name in CANARIES if name in str(text)]


@pytest.fixture
def today_is() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def _clock_stopped(request):
    stop_the_clock(request)


@pytest.fixture
def make_case(tree, personas):
    """``make_case()`` → a case of school A reported 09-01 and determined 09-08 by chair_a
    with member_a present. ``to="handling"`` adds the education plan; ``to="closed"``
    walks it through follow-up to closed (bullying) or closes it (not bullying)."""

    def make(*, school="A", is_bullying=True, severity="minor", to="determined") -> Case:
        unit = tree[school]
        chair = personas["chair_a"] if school == "A" else personas[f"chair_{school.lower()}"]
        case = services.case_open(
            actor=chair,
            school=unit,
            occurred_at=datetime(2026, 8, 31, 10, 20, tzinfo=SHANGHAI),
            location="教学楼三楼走廊",
            source="parent",
            forms=["verbal", "exclusion"],
            summary=f"课间多名同学围住{VICTIM}起侮辱性绰号，并号召其他同学孤立该生。",
            parties=[
                {"role": PartyRole.VICTIM, "name": VICTIM, "student_no": "G330106201401019876", "grade": "五年级"},
                {"role": PartyRole.PERPETRATOR, "name": PERPETRATOR, "grade": "五年级"},
                {"role": PartyRole.WITNESS, "name": WITNESS, "grade": "五年级"},
            ],
            on=REPORTED_ON,
        )
        services.case_start_investigation(actor=chair, case=case, on=STARTED_ON)
        members = [personas["member_a"], chair] if school == "A" else [chair]
        services.case_determine(
            actor=chair,
            case=case,
            is_bullying=is_bullying,
            severity=severity if is_bullying else "",
            reasoning=f"经调查，{PERPETRATOR}多次故意起绰号并号召孤立，造成{VICTIM}精神伤害。",
            members_present=members,
            on=DETERMINED_ON,
        )
        case.refresh_from_db()
        if to == "determined":
            return case
        if not is_bullying:
            services.case_close(actor=chair, case=case, summary="不构成欺凌。", on=HANDLED_ON)
            case.refresh_from_db()
            return case
        perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)
        services.case_add_measure(
            actor=chair,
            case=case,
            kind=MeasureKind.EDUCATION_PLAN,
            party=perpetrator,
            responsible="德育主任",
            planned_hours=8,
            on=HANDLED_ON,
        )
        if to == "closed":
            services.case_start_follow_up(actor=chair, case=case, on=date(2026, 9, 10))
            services.case_add_follow_up(actor=chair, case=case, note="关系缓和。", on=date(2026, 9, 11))
            services.case_close(actor=chair, case=case, summary="结案。", on=date(2026, 9, 14))
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def lodge(personas):
    def go(case: Case, *, actor: str = "officer_x", **overrides) -> Appeal:
        kwargs = {
            "appellant_name": APPELLANT,
            "appellant_relation": "受欺凌学生父亲",
            "grounds": f"学校认定{VICTIM}所受欺凌为情节轻微，与实际伤害不符，请求复查。",
            "received_on": RECEIVED_ON,
        }
        kwargs.update(overrides)
        return appeal_services.appeal_lodge(actor=personas[actor], case=case, **kwargs)

    return go


@pytest.fixture
def panel_of(personas):
    """The default panel: staff_a (school rep, did not take part), chair_a2 (a parent rep
    on another school's committee), expert_x (outside expert)."""

    def members():
        return [
            (personas["staff_a"], "school_rep"),
            (personas["chair_a2"], "parent_rep"),
            (personas["expert_x"], "expert"),
        ]

    return members


@pytest.fixture
def reviewing(make_case, lodge, personas, panel_of):
    """``reviewing()`` → an appeal accepted 09-24 with its panel formed 09-25."""

    def go(case: Case | None = None, *, panel: bool = True) -> Appeal:
        case = case or make_case()
        appeal = lodge(case)
        appeal = appeal_services.appeal_accept_review(actor=personas["officer_x"], appeal=appeal, on=ACCEPTED_ON)
        if panel:
            appeal_services.appeal_form_panel(
                actor=personas["officer_x"], appeal=appeal, members=panel_of(), on=PANEL_ON
            )
        appeal.refresh_from_db()
        return appeal

    return go


@pytest.fixture
def decided(reviewing, personas):
    def go(case: Case | None = None, *, is_bullying=True, severity="minor", on=DECIDED_ON) -> Appeal:
        appeal = reviewing(case)
        appeal_services.appeal_decide(
            actor=personas["officer_x"],
            appeal=appeal,
            is_bullying=is_bullying,
            severity=severity,
            opinion=f"建议学校对{PERPETRATOR}加强法治教育，并为受欺凌学生安排心理辅导。",
            on=on,
        )
        appeal.refresh_from_db()
        return appeal

    return go


def snapshot(appeal: Appeal) -> dict:
    """What a refused write must leave untouched."""
    fresh = Appeal.objects.get(pk=appeal.pk)
    case = Case.objects.get(pk=appeal.case_id)
    return {
        "status": fresh.status,
        "updated_at": fresh.updated_at,
        "last_step_on": fresh.last_step_on,
        "review_due": fresh.review_due,
        "panel": list(fresh.panel.values_list("user_id", "kind")),
        "case_status": case.status,
        "case_updated_at": case.updated_at,
        "timeline": TimelineEntry.objects.filter(case_id=appeal.case_id).count(),
        "determinations": case.determinations.count(),
    }
