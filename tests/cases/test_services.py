"""The case lifecycle as the services enforce it (DOMAIN.md "Incident case lifecycle")."""

import threading
import time
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction

from bullying.deadlines.models import DeadlineRule, RegionDeadlineSetting
from bullying.errors import ApplicationError
from cases import services
from cases.models import Case, Measure, MeasureKind, PartyRole, Status, TimelineEntry
from tests.cases.conftest import (
    CLOSED_ON,
    DETERMINED_ON,
    DUE_ON,
    FOLLOW_UP_ON,
    HANDLED_ON,
    OBSERVED_ON,
    REPORTED_ON,
    SHANGHAI,
    STARTED_ON,
    TODAY,
    TOMORROW,
    default_parties,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("frozen_today")

THIS_MORNING = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
REASONING = "经委员会调查取证、听取双方及证人陈述，认定该行为系故意实施，构成欺凌。"


def _perpetrator(case):
    return case.parties.get(role=PartyRole.PERPETRATOR)


def _victim(case):
    return case.parties.get(role=PartyRole.VICTIM)


def _plan(chair, case, *, hours=16, party=None):
    return services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=party or _perpetrator(case),
        responsible="德育主任",
        planned_hours=hours,
        on=HANDLED_ON,
    )


# ---------------------------------------------------------------------------
# The whole lifecycle


def test_a_bullying_case_goes_through_every_state_and_is_closed(personas, open_case):
    """GIVEN a report received on 11-02 by the chair of school A
    WHEN the committee investigates, determines, decides measures, tells the parents,
    completes the education plan, follows up and closes, each step dated in the past
    THEN the case passes reported → investigating → determined → handling → follow_up →
    closed, every step keeps its real date, and the timeline tells the story in order."""
    chair = personas["chair_a"]
    case = open_case()
    assert (case.status, case.reported_on, case.last_step_on) == (Status.REPORTED, REPORTED_ON, REPORTED_ON)

    services.case_start_investigation(actor=chair, case=case, on=STARTED_ON)
    case.refresh_from_db()
    assert (case.status, case.investigation_started_on, case.investigation_due) == (
        Status.INVESTIGATING,
        STARTED_ON,
        DUE_ON,
    )

    determination = services.case_determine(
        actor=chair, case=case, is_bullying=True, severity="minor", reasoning=REASONING, on=DETERMINED_ON
    )
    case.refresh_from_db()
    assert case.status == Status.DETERMINED
    assert (case.is_bullying, case.severity, case.determined_on) == (True, "minor", DETERMINED_ON)
    assert determination.signed_off_by == chair  # the chair's own finding needs no second step
    assert not case.determined_late

    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.CRITICISM,
        party=_perpetrator(case),
        responsible="班主任",
        on=HANDLED_ON,
    )
    plan = _plan(chair, case)
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.VICTIM_COUNSELLING,
        party=_victim(case),
        responsible="心理教师",
        on=HANDLED_ON,
    )
    services.case_notify_parents(
        actor=chair, case=case, direction="to_parents", method="in_person", guardian="母亲", on=HANDLED_ON
    )
    case.refresh_from_db()
    assert (case.status, case.handling_started_on) == (Status.HANDLING, HANDLED_ON)

    services.measure_record_progress(actor=chair, measure=plan, completed_hours=16)
    services.measure_record_progress(actor=chair, measure=plan, completed_on=date(2026, 11, 12))
    plan.refresh_from_db()
    assert (plan.completed_hours, plan.completed_on, plan.is_done) == (16, date(2026, 11, 12), True)

    services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    case.refresh_from_db()
    assert (case.status, case.follow_up_started_on) == (Status.FOLLOW_UP, FOLLOW_UP_ON)

    services.case_add_follow_up(actor=chair, case=case, note="双方关系缓和。", party=_victim(case), on=OBSERVED_ON)
    services.case_close(actor=chair, case=case, summary="措施落实到位，结案归档。", on=CLOSED_ON)
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.last_step_on) == (Status.CLOSED, CLOSED_ON, CLOSED_ON)
    assert case.closing_summary == "措施落实到位，结案归档。"

    kinds = list(TimelineEntry.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == [
        "reported",
        "investigation_started",
        "determined",
        "signed_off",
        "measure_added",
        "measure_added",
        "measure_added",
        "parents_notified",
        "measure_progress",
        "measure_progress",
        "follow_up_started",
        "follow_up",
        "closed",
    ]
    assert TimelineEntry.objects.get(case=case, kind="closed").on == CLOSED_ON


def test_a_case_found_not_to_be_bullying_closes_straight_from_determined(personas, open_case):
    """GIVEN an investigation into two pupils who were only playing (打闹嬉戏)
    WHEN the committee finds it is not bullying and closes the case the same day
    THEN the case goes determined → closed with no measures and no severity."""
    chair = personas["chair_a"]
    case = open_case()
    services.case_start_investigation(actor=chair, case=case, on=STARTED_ON)
    services.case_determine(
        actor=chair, case=case, is_bullying=False, severity="serious", reasoning="系打闹嬉戏。", on=DETERMINED_ON
    )
    case.refresh_from_db()
    assert (case.status, case.is_bullying, case.severity) == (Status.DETERMINED, False, "")

    services.case_close(actor=chair, case=case, summary="不构成欺凌。", on=DETERMINED_ON)

    case.refresh_from_db()
    assert (case.status, case.closed_on) == (Status.CLOSED, DETERMINED_ON)
    assert case.measures.count() == 0


def test_it_refuses_to_close_a_bullying_case_straight_from_determined(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="须先落实处置措施"):
        services.case_close(actor=personas["chair_a"], case=case, on=DETERMINED_ON)

    assert snapshot(case) == before


def test_it_refuses_bullying_measures_for_a_case_found_not_to_be_bullying(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED, is_bullying=False)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不构成欺凌"):
        services.case_add_measure(
            actor=personas["chair_a"],
            case=case,
            kind=MeasureKind.CRITICISM,
            party=_perpetrator(case),
            responsible="班主任",
            on=HANDLED_ON,
        )

    assert snapshot(case) == before


def test_it_refuses_to_close_after_follow_up_without_any_observation(personas, open_case, walk):
    case = walk(open_case(), Status.HANDLING)
    chair = personas["chair_a"]
    services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="至少一次跟踪观察"):
        services.case_close(actor=chair, case=case, on=CLOSED_ON)

    assert snapshot(case) == before


# ---------------------------------------------------------------------------
# Steps out of order change nothing


def _step_calls(chair):
    """Every workflow step, as ``call(case)``, with dates that would be valid in order."""
    return {
        "start_investigation": lambda case: services.case_start_investigation(actor=chair, case=case, on=TODAY),
        "determine": lambda case: services.case_determine(
            actor=chair, case=case, is_bullying=True, severity="minor", reasoning=REASONING, on=TODAY
        ),
        "add_measure": lambda case: services.case_add_measure(
            actor=chair, case=case, kind=MeasureKind.CRITICISM, party=_perpetrator(case), responsible="班主任", on=TODAY
        ),
        "start_follow_up": lambda case: services.case_start_follow_up(actor=chair, case=case, on=TODAY),
        "add_follow_up": lambda case: services.case_add_follow_up(actor=chair, case=case, note="观察。", on=TODAY),
        "close": lambda case: services.case_close(actor=chair, case=case, on=TODAY),
    }


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.REPORTED, "determine"),
        (Status.REPORTED, "add_measure"),
        (Status.REPORTED, "start_follow_up"),
        (Status.REPORTED, "add_follow_up"),
        (Status.REPORTED, "close"),
        (Status.INVESTIGATING, "start_investigation"),
        (Status.INVESTIGATING, "add_measure"),
        (Status.INVESTIGATING, "start_follow_up"),
        (Status.INVESTIGATING, "close"),
        (Status.DETERMINED, "start_investigation"),
        (Status.DETERMINED, "determine"),
        (Status.DETERMINED, "start_follow_up"),
        (Status.DETERMINED, "add_follow_up"),
        (Status.HANDLING, "determine"),
        (Status.HANDLING, "close"),
        (Status.FOLLOW_UP, "start_investigation"),
        (Status.FOLLOW_UP, "determine"),
        (Status.FOLLOW_UP, "start_follow_up"),
    ],
)
def test_a_step_out_of_order_is_refused_and_changes_nothing(personas, open_case, walk, status, step):
    case = walk(open_case(), status)
    before = snapshot(case)

    with pytest.raises(ApplicationError) as refused:
        _step_calls(personas["chair_a"])[step](case)

    assert refused.value.message  # a reason the user can read
    assert snapshot(case) == before


def test_the_out_of_order_message_names_the_current_and_the_required_state(personas, open_case):
    case = open_case()

    with pytest.raises(ApplicationError) as refused:
        services.case_determine(actor=personas["chair_a"], case=case, is_bullying=True, severity="minor", reasoning="x")

    assert "已受理" in refused.value.message
    assert "调查中" in refused.value.message


# ---------------------------------------------------------------------------
# The effective date of a step (``on``)


def test_it_rejects_a_future_start_date(personas, open_case):
    case = open_case()
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不能晚于今天") as refused:
        services.case_start_investigation(actor=personas["chair_a"], case=case, on=TOMORROW)

    assert refused.value.field == "on"
    assert snapshot(case) == before


def test_it_accepts_a_step_dated_today(personas, open_case):
    case = open_case()

    services.case_start_investigation(actor=personas["chair_a"], case=case, on=TODAY)

    case.refresh_from_db()
    assert case.investigation_started_on == TODAY


def test_a_step_without_a_date_happened_today(personas, open_case):
    case = open_case()

    services.case_start_investigation(actor=personas["chair_a"], case=case)

    case.refresh_from_db()
    assert case.investigation_started_on == TODAY
    assert case.investigation_due == date(2026, 11, 30)


def test_it_refuses_a_determination_dated_before_the_investigation_started(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="2026-11-05") as refused:
        services.case_determine(
            actor=personas["chair_a"],
            case=case,
            is_bullying=True,
            severity="minor",
            reasoning=REASONING,
            on=date(2026, 11, 4),
        )

    assert refused.value.field == "on"
    assert snapshot(case) == before


def test_it_refuses_an_investigation_started_before_the_report_was_received(personas, open_case):
    case = open_case()
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不能早于"):
        services.case_start_investigation(actor=personas["chair_a"], case=case, on=date(2026, 11, 1))

    assert snapshot(case) == before


def test_it_refuses_a_close_dated_before_the_follow_up_started(personas, open_case, walk):
    case = walk(open_case(), Status.FOLLOW_UP)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不能早于"):
        services.case_close(actor=personas["chair_a"], case=case, on=date(2026, 11, 12))

    assert snapshot(case) == before


# ---------------------------------------------------------------------------
# Intake


def _open_at_a(actor, **overrides):
    kwargs = {
        "occurred_at": THIS_MORNING,
        "location": "操场",
        "source": "staff",
        "forms": ["physical"],
        "summary": "体育课后推搡受害学生。",
        "parties": default_parties(),
        "on": TODAY,
    }
    kwargs.update(overrides)
    school = actor.memberships.get().org_unit
    return services.case_open(actor=actor, school=school, **kwargs)


def test_it_refuses_a_report_received_in_the_future(personas, tree):
    with pytest.raises(ApplicationError, match="不能晚于今天"):
        _open_at_a(personas["chair_a"], on=TOMORROW)

    assert Case.objects.count() == 0


def test_it_refuses_an_incident_that_has_not_happened_yet(personas, tree):
    with pytest.raises(ApplicationError, match="发生时间不能晚于现在") as refused:
        _open_at_a(personas["chair_a"], occurred_at=datetime(2026, 11, 20, 11, 0, tzinfo=SHANGHAI))

    assert refused.value.field == "occurred_at"
    assert Case.objects.count() == 0


def test_it_refuses_a_report_received_before_the_incident_happened(personas, tree):
    with pytest.raises(ApplicationError, match="不能早于发生日期"):
        _open_at_a(personas["chair_a"], on=date(2026, 11, 19))

    assert Case.objects.count() == 0


def test_it_refuses_a_report_without_a_victim(personas, tree):
    witnesses_only = [p for p in default_parties() if p["role"] != PartyRole.VICTIM]

    with pytest.raises(ApplicationError, match="受欺凌学生"):
        _open_at_a(personas["chair_a"], parties=witnesses_only)

    assert Case.objects.count() == 0


def test_it_refuses_an_unknown_form_of_bullying(personas, tree):
    with pytest.raises(ApplicationError) as refused:
        _open_at_a(personas["chair_a"], forms=["physical", "teasing"])

    assert refused.value.field == "forms"
    assert Case.objects.count() == 0


# ---------------------------------------------------------------------------
# Determination and the chair's sign-off


def test_a_members_determination_stays_unsigned_and_blocks_measures_until_the_chair_signs_off(
    personas, open_case, walk
):
    """GIVEN an investigation at school A
    WHEN a committee member (not the chair) records the finding
    THEN it is unsigned, measures are refused, the member cannot sign it off;
    AND once the chair signs off, measures are accepted."""
    member, chair = personas["member_a"], personas["chair_a"]
    case = walk(open_case(), Status.INVESTIGATING)

    determination = services.case_determine(
        actor=member, case=case, is_bullying=True, severity="minor", reasoning=REASONING, on=DETERMINED_ON
    )
    assert determination.signed_off_by is None
    assert determination.recorded_by == member

    before = snapshot(case)
    with pytest.raises(ApplicationError, match="尚未经委员会主任签发"):
        services.case_add_measure(
            actor=member, case=case, kind=MeasureKind.CRITICISM, party=_perpetrator(case), responsible="班主任"
        )
    assert snapshot(case) == before

    with pytest.raises(PermissionDenied):
        services.case_sign_off(actor=member, case=case)
    determination.refresh_from_db()
    assert determination.signed_off_by is None

    services.case_sign_off(actor=chair, case=case)
    determination.refresh_from_db()
    assert determination.signed_off_by == chair
    assert determination.signed_off_at is not None

    services.case_add_measure(
        actor=member, case=case, kind=MeasureKind.CRITICISM, party=_perpetrator(case), responsible="班主任"
    )
    case.refresh_from_db()
    assert case.status == Status.HANDLING


def test_it_refuses_to_sign_off_a_determination_twice(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)  # the chair's own finding is signed already
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="已签发"):
        services.case_sign_off(actor=personas["chair_a"], case=case)

    assert snapshot(case) == before


def test_a_not_bullying_finding_by_a_member_closes_only_after_sign_off(personas, open_case, walk):
    member, chair = personas["member_a"], personas["chair_a"]
    case = walk(open_case(), Status.INVESTIGATING)
    services.case_determine(actor=member, case=case, is_bullying=False, reasoning="系打闹嬉戏。", on=DETERMINED_ON)

    with pytest.raises(ApplicationError, match="尚未经委员会主任签发"):
        services.case_close(actor=member, case=case, on=DETERMINED_ON)

    services.case_sign_off(actor=chair, case=case)
    services.case_close(actor=member, case=case, on=DETERMINED_ON)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_bullying_finding_needs_a_severity(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)
    before = snapshot(case)

    with pytest.raises(ApplicationError) as refused:
        services.case_determine(actor=personas["chair_a"], case=case, is_bullying=True, reasoning=REASONING)

    assert refused.value.field == "severity"
    assert snapshot(case) == before


def test_a_determination_needs_reasoning(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)
    before = snapshot(case)

    with pytest.raises(ApplicationError) as refused:
        services.case_determine(
            actor=personas["chair_a"], case=case, is_bullying=True, severity="minor", reasoning="   "
        )

    assert refused.value.field == "reasoning"
    assert snapshot(case) == before


def test_a_determination_after_the_due_date_is_recorded_as_late(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)  # due 11-16

    services.case_determine(
        actor=personas["chair_a"], case=case, is_bullying=True, severity="minor", reasoning=REASONING, on=TODAY
    )

    case.refresh_from_db()
    assert case.determined_late
    assert "超过调查处理期限" in TimelineEntry.objects.get(case=case, kind="determined").text


def test_members_present_must_belong_to_the_schools_committee(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)
    before = snapshot(case)

    with pytest.raises(ApplicationError) as refused:
        services.case_determine(
            actor=personas["chair_a"],
            case=case,
            is_bullying=True,
            severity="minor",
            reasoning=REASONING,
            members_present=[personas["member_a"], personas["chair_a2"]],
            on=DETERMINED_ON,
        )

    assert refused.value.field == "members_present"
    assert snapshot(case) == before


# ---------------------------------------------------------------------------
# Measures


@pytest.mark.parametrize("hours", [None, 0])
def test_an_education_plan_needs_planned_hours(personas, open_case, walk, hours):
    case = walk(open_case(), Status.DETERMINED)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="计划学时") as refused:
        _plan(personas["chair_a"], case, hours=hours)

    assert refused.value.field == "planned_hours"
    assert snapshot(case) == before


def test_completed_education_hours_cannot_exceed_the_plan(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    chair = personas["chair_a"]
    plan = _plan(chair, case, hours=16)

    with pytest.raises(ApplicationError, match="不能超过计划学时"):
        services.measure_record_progress(actor=chair, measure=plan, completed_hours=17)

    plan.refresh_from_db()
    assert plan.completed_hours == 0


def test_completed_education_hours_cannot_go_down(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    chair = personas["chair_a"]
    plan = _plan(chair, case, hours=16)
    services.measure_record_progress(actor=chair, measure=plan, completed_hours=8)
    entries = TimelineEntry.objects.filter(case=case).count()

    with pytest.raises(ApplicationError, match="不能减少"):
        services.measure_record_progress(actor=chair, measure=plan, completed_hours=6)

    plan.refresh_from_db()
    assert plan.completed_hours == 8
    assert TimelineEntry.objects.filter(case=case).count() == entries


def test_an_education_plan_cannot_be_marked_done_before_its_hours_are(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    chair = personas["chair_a"]
    plan = _plan(chair, case, hours=16)
    services.measure_record_progress(actor=chair, measure=plan, completed_hours=15)

    with pytest.raises(ApplicationError, match="学时未完成"):
        services.measure_record_progress(actor=chair, measure=plan, completed_on=TODAY)

    plan.refresh_from_db()
    assert plan.completed_on is None


def test_only_an_education_plan_records_hours(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    chair = personas["chair_a"]
    criticism = services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.CRITICISM, party=_perpetrator(case), responsible="班主任"
    )

    with pytest.raises(ApplicationError, match="只有专门教育方案记录学时"):
        services.measure_record_progress(actor=chair, measure=criticism, completed_hours=2)


def test_it_refuses_follow_up_while_a_perpetrator_has_no_education_plan(personas, open_case, walk):
    """GIVEN a bullying case with two perpetrators, only one of whom has an education plan
    WHEN the committee tries to move the case to follow-up
    THEN it is refused, naming how many still lack a plan (政策清单第34项);
    AND once both have one, follow-up starts."""
    second = {"role": PartyRole.PERPETRATOR, "name": "钱二", "grade": "五年级", "class_name": "3班"}
    case = walk(open_case(parties=[*default_parties(), second]), Status.DETERMINED)
    chair = personas["chair_a"]
    first, other = case.parties.filter(role=PartyRole.PERPETRATOR).order_by("id")
    _plan(chair, case, party=first)
    services.case_add_measure(actor=chair, case=case, kind=MeasureKind.CRITICISM, party=other, responsible="班主任")
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="还有 1 名实施欺凌学生没有专门教育方案"):
        services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    assert snapshot(case) == before

    _plan(chair, case, party=other)
    services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    case.refresh_from_db()
    assert case.status == Status.FOLLOW_UP


def test_a_criminal_case_needs_a_police_referral_before_follow_up(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED, severity="criminal")
    chair = personas["chair_a"]
    _plan(chair, case)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="移送公安机关"):
        services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    assert snapshot(case) == before

    services.case_add_measure(actor=chair, case=case, kind=MeasureKind.POLICE_REFERRAL, responsible="校长")
    services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
    case.refresh_from_db()
    assert case.status == Status.FOLLOW_UP


def _specialised_school(chair, case, **approval):
    return services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.SPECIALISED_SCHOOL,
        party=_perpetrator(case),
        responsible="校长",
        on=HANDLED_ON,
        **approval,
    )


@pytest.mark.parametrize(
    "approval",
    [
        {},
        {"approved_on": date(2026, 11, 11)},
        {"approval_authority": "西湖区教育局"},
        {"approved_on": TOMORROW, "approval_authority": "西湖区教育局"},
    ],
    ids=["nothing", "no-authority", "no-date", "approved-in-the-future"],
)
def test_a_transfer_to_a_specialised_school_needs_an_approval(personas, open_case, walk, approval):
    case = walk(open_case(), Status.DETERMINED, severity="severe")
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="批准"):
        _specialised_school(personas["chair_a"], case, **approval)

    assert snapshot(case) == before


def test_an_approved_transfer_to_a_specialised_school_is_recorded(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED, severity="severe")

    measure = _specialised_school(
        personas["chair_a"], case, approved_on=date(2026, 11, 11), approval_authority="西湖区教育局"
    )

    measure.refresh_from_db()
    assert (measure.approved_on, measure.approval_authority) == (date(2026, 11, 11), "西湖区教育局")


@pytest.mark.parametrize(
    ("kind", "refused_for", "allowed_for"),
    [
        (MeasureKind.POLICE_REPRIMAND, "minor", "serious"),
        (MeasureKind.QUALITY_RECORD, "minor", "serious"),
        (MeasureKind.POLICE_REFERRAL, "severe", "criminal"),
    ],
)
def test_a_measure_is_refused_below_its_minimum_severity(personas, open_case, walk, kind, refused_for, allowed_for):
    chair = personas["chair_a"]
    too_mild = walk(open_case(), Status.DETERMINED, severity=refused_for)
    fitting = walk(open_case(), Status.DETERMINED, severity=allowed_for)
    party = None if kind == MeasureKind.POLICE_REFERRAL else "perpetrator"

    def add(case):
        return services.case_add_measure(
            actor=chair,
            case=case,
            kind=kind,
            party=_perpetrator(case) if party else None,
            responsible="校长",
            on=HANDLED_ON,
        )

    before = snapshot(too_mild)
    with pytest.raises(ApplicationError, match="及以上情形") as refused:
        add(too_mild)
    assert refused.value.field == "kind"
    assert snapshot(too_mild) == before

    add(fitting)
    assert Measure.objects.filter(case=fitting, kind=kind).count() == 1


def test_victim_support_must_go_to_a_victim(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="受欺凌学生") as refused:
        services.case_add_measure(
            actor=personas["chair_a"],
            case=case,
            kind=MeasureKind.VICTIM_COUNSELLING,
            party=_perpetrator(case),
            responsible="心理教师",
        )

    assert refused.value.field == "party"
    assert snapshot(case) == before


def test_a_measure_for_a_party_of_another_case_is_refused(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    other = open_case()
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不是本案当事人"):
        _plan(personas["chair_a"], case, party=_perpetrator(other))

    assert snapshot(case) == before


def test_a_measure_cannot_be_dated_before_the_determination(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)
    before = snapshot(case)

    with pytest.raises(ApplicationError, match="不能早于认定日期"):
        services.case_add_measure(
            actor=personas["chair_a"],
            case=case,
            kind=MeasureKind.CRITICISM,
            party=_perpetrator(case),
            responsible="班主任",
            on=date(2026, 11, 9),
        )

    assert snapshot(case) == before


# ---------------------------------------------------------------------------
# A closed case is the archive


def _writes_on_a_closed_case(chair, case):
    plan = case.measures.get(kind=MeasureKind.EDUCATION_PLAN)
    return {
        "start_investigation": lambda: services.case_start_investigation(actor=chair, case=case),
        "determine": lambda: services.case_determine(actor=chair, case=case, is_bullying=False, reasoning=REASONING),
        "sign_off": lambda: services.case_sign_off(actor=chair, case=case),
        "add_measure": lambda: services.case_add_measure(
            actor=chair, case=case, kind=MeasureKind.CRITICISM, party=_perpetrator(case), responsible="班主任"
        ),
        "record_progress": lambda: services.measure_record_progress(actor=chair, measure=plan, completed_hours=4),
        "notify_parents": lambda: services.case_notify_parents(
            actor=chair, case=case, direction="to_parents", method="phone", guardian="父亲"
        ),
        "start_follow_up": lambda: services.case_start_follow_up(actor=chair, case=case),
        "add_follow_up": lambda: services.case_add_follow_up(actor=chair, case=case, note="再观察。"),
        "close": lambda: services.case_close(actor=chair, case=case),
        "attach": lambda: services.attachment_add(
            actor=chair, case=case, uploaded_file=SimpleUploadedFile("x.pdf", b"%PDF-1.4 test")
        ),
    }


@pytest.mark.parametrize(
    "write",
    [
        "start_investigation",
        "determine",
        "sign_off",
        "add_measure",
        "record_progress",
        "notify_parents",
        "start_follow_up",
        "add_follow_up",
        "close",
        "attach",
    ],
)
def test_a_closed_case_refuses_further_writes(personas, open_case, walk, write):
    case = walk(open_case(), Status.CLOSED)
    before = snapshot(case)

    with pytest.raises(ApplicationError):
        _writes_on_a_closed_case(personas["chair_a"], case)[write]()

    assert snapshot(case) == before
    assert case.attachments.count() == 0


# ---------------------------------------------------------------------------
# Who may act


def test_school_staff_can_open_a_case_but_cannot_start_the_investigation(personas, open_case):
    case = open_case(actor="staff_a")
    assert case.reported_by == personas["staff_a"]
    before = snapshot(case)

    with pytest.raises(PermissionDenied):
        services.case_start_investigation(actor=personas["staff_a"], case=case, on=STARTED_ON)

    assert snapshot(case) == before


@pytest.mark.parametrize("outsider", ["officer_x", "city_a", "chair_a2"])
def test_only_staff_of_the_school_can_open_a_case_there(personas, tree, outsider):
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=personas[outsider],
            school=tree["A"],
            occurred_at=THIS_MORNING,
            location="操场",
            source="staff",
            forms=["physical"],
            summary="推搡。",
            parties=default_parties(),
        )

    assert Case.objects.count() == 0


@pytest.mark.parametrize("outsider", ["chair_a2", "chair_y", "officer_x", "staff_a"])
@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.REPORTED, "start_investigation"),
        (Status.INVESTIGATING, "determine"),
        (Status.DETERMINED, "add_measure"),
        (Status.HANDLING, "start_follow_up"),
        (Status.FOLLOW_UP, "close"),
    ],
)
def test_someone_outside_the_schools_committee_cannot_run_a_step(personas, open_case, walk, outsider, status, step):
    case = walk(open_case(), status)
    before = snapshot(case)

    with pytest.raises(PermissionDenied):
        _step_calls(personas[outsider])[step](case)

    assert snapshot(case) == before


def test_a_chair_of_another_school_cannot_sign_off_or_record_parents_notices(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)
    services.case_determine(
        actor=personas["member_a"], case=case, is_bullying=True, severity="minor", reasoning=REASONING
    )
    before = snapshot(case)

    with pytest.raises(PermissionDenied):
        services.case_sign_off(actor=personas["chair_a2"], case=case)
    with pytest.raises(PermissionDenied):
        services.case_notify_parents(
            actor=personas["chair_a2"], case=case, direction="to_parents", method="phone", guardian="父亲"
        )

    assert snapshot(case) == before
    assert case.determinations.get().signed_off_by is None


# ---------------------------------------------------------------------------
# The 10-day investigation clock (民法典第二百零一条、第二百零三条)


@pytest.mark.parametrize(
    ("reported", "started", "due"),
    [
        (date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 12)),
        (date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 16)),  # 11-15 is a Sunday
        (date(2026, 9, 21), date(2026, 9, 24), date(2026, 10, 8)),  # 10-04 is in the National Day holiday
    ],
)
def test_the_investigation_is_due_ten_calendar_days_after_it_starts(personas, open_case, reported, started, due):
    case = open_case(on=reported)

    services.case_start_investigation(actor=personas["chair_a"], case=case, on=started)

    case.refresh_from_db()
    assert (case.investigation_started_on, case.investigation_due) == (started, due)
    assert case.investigation_due_steps, "the user must be able to see how the due date was computed"
    assert "民法典" in case.investigation_due_steps[0]
    entry = TimelineEntry.objects.get(case=case, kind="investigation_started")
    assert f"{due:%Y-%m-%d}" in entry.text


def test_a_region_that_counts_working_days_gets_a_working_day_due_date(personas, open_case, tree):
    RegionDeadlineSetting.objects.create(org_unit=tree["X"], rule=DeadlineRule.WORKING_DAYS)
    case = open_case(on=date(2026, 9, 28))

    services.case_start_investigation(actor=personas["chair_a"], case=case, on=date(2026, 9, 28))

    case.refresh_from_db()
    assert case.investigation_due == date(2026, 10, 16)  # 10-10 is a make-up working day and counts


def test_an_investigation_past_its_due_date_is_overdue(personas, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)  # due 11-16, today 11-20

    assert case.days_left() == -4
    assert case.is_overdue
    assert Case.objects.filter(status=Status.INVESTIGATING, investigation_due__lt=TODAY).get() == case


def test_a_determined_case_is_no_longer_overdue(personas, open_case, walk):
    case = walk(open_case(), Status.DETERMINED)

    assert case.days_left() is None
    assert not case.is_overdue


# ---------------------------------------------------------------------------
# Case numbers


def test_case_numbers_are_unique_and_sequential_per_school_and_year(open_case, tree):
    first, second, third = (open_case() for _ in range(3))
    other_school = open_case(school="A2")
    last_year = open_case(on=date(2025, 12, 30))
    fourth = open_case()

    assert [c.number for c in (first, second, third, fourth)] == [
        "2133010601-2026-0001",
        "2133010601-2026-0002",
        "2133010601-2026-0003",
        "2133010601-2026-0004",
    ]
    assert other_school.number == "2133010602-2026-0001"
    assert (last_year.number, last_year.year, last_year.sequence) == ("2133010601-2025-0001", 2025, 1)
    assert Case.objects.values("number").distinct().count() == Case.objects.count() == 6


# ---------------------------------------------------------------------------
# Concurrent transitions


def test_a_second_start_with_a_stale_copy_of_the_case_is_refused(personas, open_case):
    """GIVEN two committee members with the same case open in their browsers
    WHEN both start the investigation, the second from its stale copy (still "reported")
    THEN the second is refused and there is one "investigation started" entry."""
    case = open_case()
    stale = Case.objects.get(pk=case.pk)
    services.case_start_investigation(actor=personas["chair_a"], case=case, on=STARTED_ON)

    with pytest.raises(ApplicationError, match="调查中"):
        services.case_start_investigation(actor=personas["member_a"], case=stale, on=TODAY)

    case.refresh_from_db()
    assert (case.investigation_started_on, case.investigation_due) == (STARTED_ON, DUE_ON)
    assert TimelineEntry.objects.filter(case=case, kind="investigation_started").count() == 1


def _wait_for_lock_waiters(count: int, timeout: float = 20.0) -> None:
    """Poll until ``count`` backends of this test database wait on a row lock."""
    deadline = time.monotonic() + timeout  # time-machine does not move the monotonic clock
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # stats are snapshotted per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
    raise AssertionError(f"{count} transactions never waited on the case row lock")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_are_serialised_by_the_row_lock(personas, open_case):
    """GIVEN a reported case whose row this test holds locked
    WHEN two requests start the investigation at the same moment (both wait on the lock)
    THEN after the lock is released exactly one succeeds, the other is refused because
    the case is already investigating, and the timeline has one entry for it."""
    case = open_case()
    chair, member = personas["chair_a"], personas["member_a"]
    outcomes: list[str] = []

    def attempt(actor):
        try:
            services.case_start_investigation(actor=actor, case=case, on=STARTED_ON)
            outcomes.append("started")
        except ApplicationError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        threads = [threading.Thread(target=attempt, args=(actor,)) for actor in (chair, member)]
        for thread in threads:
            thread.start()
        _wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()

    assert outcomes.count("started") == 1, outcomes
    (refused,) = [o for o in outcomes if o != "started"]
    assert "调查中" in refused  # it saw the committed state after waiting, not its stale read
    assert TimelineEntry.objects.filter(case=case, kind="investigation_started").count() == 1
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
