"""Appeal services: lodging, the acceptance decision, the 15-day clock, the panel,
the decision (late, overturning), filing, and recomputation on calendar changes."""

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from bullying.deadlines.services import calendar_day_set
from bullying.errors import ApplicationError
from cases import selectors
from cases.appeals import selectors as appeal_selectors
from cases.appeals import services as appeal_services
from cases.appeals.models import Appeal, AppealStatus
from cases.models import Determination, Status, TimelineEntry

from .conftest import (
    ACCEPTED_ON,
    DECIDED_ON,
    FILED_ON,
    LATE_ON,
    PANEL_ON,
    RECEIVED_ON,
    REVIEW_DUE,
    SHANGHAI,
    TOMORROW,
    leaked,
    snapshot,
)

# --- Lodging --------------------------------------------------------------------------------


def test_a_county_officer_records_an_appeal_against_the_schools_determination(make_case, lodge):
    case = make_case()
    appeal = lodge(case)
    assert appeal.status == AppealStatus.RECEIVED
    assert appeal.county.code == "330106"
    assert appeal.determination == case.determinations.get()
    assert appeal.forwarded_by is None
    assert appeal.number == "SS330106-2026-001"
    entry = case.timeline.get(kind="appeal_received")
    assert entry.on == RECEIVED_ON
    assert not leaked(entry.text)


def test_a_school_committee_forwards_an_appeal_it_received_to_the_county(make_case, lodge, personas):
    appeal = lodge(make_case(), actor="chair_a")
    assert appeal.forwarded_by.code == "2133010601"
    assert appeal.county.code == "330106"
    assert appeal in appeal_selectors.appeals_visible_to(personas["officer_x"])
    assert "转交" in appeal.case.timeline.get(kind="appeal_received").text


@pytest.mark.parametrize("actor", ["staff_a", "officer_y", "city_a", "expert_x", "chair_a2"])
def test_only_the_county_office_or_the_schools_committee_may_lodge(make_case, lodge, actor):
    case = make_case()
    with pytest.raises(PermissionDenied):
        lodge(case, actor=actor)
    assert not Appeal.objects.exists()


def test_a_case_without_a_determination_cannot_be_appealed(tree, personas, lodge):
    from cases import services

    case = services.case_open(
        actor=personas["chair_a"],
        school=tree["A"],
        occurred_at=datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI),
        location="操场",
        source="staff",
        forms=["physical"],
        summary="推搡。",
        parties=[{"role": "victim", "name": "甲乙丙"}],
        on=date(2026, 9, 1),
    )
    with pytest.raises(ApplicationError, match="尚未作出认定"):
        lodge(case)


def test_one_open_appeal_per_case(make_case, lodge):
    case = make_case()
    lodge(case)
    with pytest.raises(ApplicationError, match="已有正在办理的申诉"):
        lodge(case)
    assert Appeal.objects.count() == 1


def test_the_database_refuses_a_second_open_appeal_too(make_case, lodge):
    first = lodge(make_case())
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            case=first.case,
            county=first.county,
            determination=first.determination,
            number="X-1",
            year=2026,
            sequence=99,
            appellant_name="某",
            appellant_relation="父亲",
            grounds="理由",
            received_on=RECEIVED_ON,
            lodged_by=first.lodged_by,
            last_step_on=RECEIVED_ON,
        )


def test_an_appeal_not_accepted_for_the_courts_may_come_back(make_case, lodge, personas):
    case = make_case()
    first = lodge(case)
    appeal_services.appeal_refer_legal(actor=personas["officer_x"], appeal=first, on=ACCEPTED_ON)
    second = lodge(case, received_on=ACCEPTED_ON)
    assert second.number == "SS330106-2026-002"


def test_a_determination_the_county_upheld_or_reviewed_is_not_appealed_again(make_case, lodge, decided, personas):
    upheld = lodge(make_case())
    appeal_services.appeal_uphold(actor=personas["officer_x"], appeal=upheld, on=ACCEPTED_ON)
    with pytest.raises(ApplicationError, match="不能重复申诉"):
        lodge(upheld.case, received_on=ACCEPTED_ON)
    confirmed = decided()
    with pytest.raises(ApplicationError, match="不能重复申诉"):
        lodge(confirmed.case, received_on=DECIDED_ON)


def test_a_review_finding_is_not_appealed_to_the_county_again(decided, lodge):
    overturned = decided(severity="serious")
    with pytest.raises(ApplicationError, match="当前认定是县级复查决定"):
        lodge(overturned.case, received_on=DECIDED_ON)


@pytest.mark.parametrize(
    ("received_on", "message"),
    [(TOMORROW, "不能晚于今天"), (date(2026, 9, 7), "不能早于学校认定日期")],
)
def test_it_rejects_a_received_date_in_the_future_or_before_the_determination(make_case, lodge, received_on, message):
    with pytest.raises(ApplicationError, match=message):
        lodge(make_case(), received_on=received_on)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("field", ["appellant_name", "appellant_relation", "grounds"])
def test_it_requires_the_appellant_and_the_grounds(make_case, lodge, field):
    with pytest.raises(ApplicationError) as exc:
        lodge(make_case(), **{field: "  "})
    assert exc.value.field == field


# --- The acceptance decision ----------------------------------------------------------------


def test_upholding_keeps_the_schools_decision_with_reasons(make_case, lodge, personas):
    appeal = lodge(make_case())
    appeal_services.appeal_uphold(actor=personas["officer_x"], appeal=appeal, reasons="程序妥当。", on=ACCEPTED_ON)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.acceptance_reasons == "程序妥当。"
    assert appeal.review_due is None
    assert "维持学校认定" in appeal.case.timeline.get(kind="appeal_upheld").text


def test_upholding_without_reasons_records_the_policy_wording(make_case, lodge, personas):
    appeal = appeal_services.appeal_uphold(actor=personas["officer_x"], appeal=lodge(make_case()))
    assert "处理程序妥当、事件比较清晰" in appeal.acceptance_reasons


def test_referring_to_the_legal_route_records_which_route(make_case, lodge, personas):
    appeal = lodge(make_case())
    appeal_services.appeal_refer_legal(
        actor=personas["officer_x"],
        appeal=appeal,
        legal_route="court",
        legal_route_note="西湖区人民法院已立案",
        on=ACCEPTED_ON,
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.NOT_ACCEPTED
    assert appeal.legal_route == "court"
    assert "依诉讼程序办理" in appeal.case.timeline.get(kind="appeal_not_accepted").text


def test_accepting_for_review_starts_the_fifteen_day_clock_across_national_day(make_case, lodge, personas):
    """GIVEN an appeal received 09-22
    WHEN the county accepts it for review on Thursday 2026-09-24
    THEN day 1 is 09-25 and day 15 is Friday 10-09, after the National Day holiday
    (10-01..10-07) and a working day, so the review is due 10-09 (民法典第201、203条)."""
    appeal = lodge(make_case())
    appeal_services.appeal_accept_review(actor=personas["officer_x"], appeal=appeal, on=ACCEPTED_ON)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REVIEWING
    assert appeal.review_due == REVIEW_DUE == date(2026, 10, 9)
    assert any("不计入" in step for step in appeal.review_due_steps)
    assert any("届满" in step for step in appeal.review_due_steps)
    assert "2026-10-09" in appeal.case.timeline.get(kind="appeal_review_started").text


def test_a_fifteenth_day_inside_the_holiday_moves_to_the_first_working_day(make_case, lodge, personas):
    """Accepted Thursday 09-17: day 15 is 10-02, inside National Day → due Thursday 10-08."""
    appeal = lodge(make_case(), received_on=date(2026, 9, 16))
    appeal_services.appeal_accept_review(actor=personas["officer_x"], appeal=appeal, on=date(2026, 9, 17))
    appeal.refresh_from_db()
    assert appeal.review_due == date(2026, 10, 8)
    assert any("顺延" in step for step in appeal.review_due_steps)


def test_a_region_counting_working_days_gets_fifteen_working_days(make_case, lodge, personas, tree):
    from bullying.deadlines.services import region_deadline_setting_set

    region_deadline_setting_set(actor=personas["sysadmin"], org_unit=tree["X"], rule="working_days")
    appeal = lodge(make_case())
    appeal_services.appeal_accept_review(actor=personas["officer_x"], appeal=appeal, on=ACCEPTED_ON)
    appeal.refresh_from_db()
    # 09-25 Mid-Autumn; 09-28..30 (3); 10-01..07 National Day; 10-08, 10-09 (5);
    # Saturday 10-10 make-up (6); 10-12..16 (11); 10-19..22 (15)
    assert appeal.review_due == date(2026, 10, 22)


@pytest.mark.parametrize("step", ["uphold", "accept_review", "refer_legal"])
def test_the_acceptance_decision_is_taken_once(make_case, lodge, personas, step):
    appeal = lodge(make_case())
    appeal_services.appeal_uphold(actor=personas["officer_x"], appeal=appeal, on=ACCEPTED_ON)
    before = snapshot(appeal)
    with pytest.raises(ApplicationError, match="当前状态为“维持学校处理结果”"):
        getattr(appeal_services, f"appeal_{step}")(actor=personas["officer_x"], appeal=appeal)
    assert snapshot(appeal) == before


@pytest.mark.parametrize("actor", ["chair_a", "expert_x", "city_a", "officer_y"])
def test_only_the_county_office_takes_the_acceptance_decision(make_case, lodge, personas, actor):
    appeal = lodge(make_case())
    with pytest.raises(PermissionDenied):
        appeal_services.appeal_accept_review(actor=personas[actor], appeal=appeal)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RECEIVED


@pytest.mark.parametrize(("on", "message"), [(TOMORROW, "不能晚于今天"), (date(2026, 9, 21), "不能早于")])
def test_a_step_cannot_be_dated_in_the_future_or_before_the_step_it_follows(make_case, lodge, personas, on, message):
    appeal = lodge(make_case())
    before = snapshot(appeal)
    with pytest.raises(ApplicationError, match=message):
        appeal_services.appeal_accept_review(actor=personas["officer_x"], appeal=appeal, on=on)
    assert snapshot(appeal) == before


# --- The panel ------------------------------------------------------------------------------


def test_the_panel_members_get_access_to_this_appeal_and_its_case_only(reviewing, make_case, personas):
    appeal = reviewing()
    other_case = make_case()
    expert = personas["expert_x"]
    assert list(appeal_selectors.appeals_visible_to(expert)) == [appeal]
    assert list(selectors.cases_visible_to(expert)) == [appeal.case]
    assert other_case not in selectors.cases_visible_to(expert)
    assert selectors.can_see_names(expert, appeal.case)
    assert not selectors.can_see_names(expert, other_case)
    assert not selectors.can_handle(expert, appeal.case)
    entry = appeal.case.timeline.get(kind="appeal_panel_formed")
    assert "学校代表 1 人、家长代表 1 人、校外专家 1 人" in entry.text


@pytest.mark.parametrize("missing", ["school_rep", "parent_rep", "expert"])
def test_the_panel_needs_a_school_rep_a_parent_rep_and_an_expert(reviewing, personas, panel_of, missing):
    appeal = reviewing(panel=False)
    before = snapshot(appeal)
    members = [(u, k) for u, k in panel_of() if k != missing]
    with pytest.raises(ApplicationError, match="还缺少"):
        appeal_services.appeal_form_panel(actor=personas["officer_x"], appeal=appeal, members=members, on=PANEL_ON)
    assert snapshot(appeal) == before
    assert not appeal_selectors.appeals_visible_to(personas["expert_x"]).exists()


@pytest.mark.parametrize("who", ["chair_a", "member_a"])
def test_nobody_who_took_part_in_the_determination_sits_on_the_panel(reviewing, personas, panel_of, who):
    appeal = reviewing(panel=False)
    members = [*[(u, k) for u, k in panel_of() if k != "school_rep"], (personas[who], "school_rep")]
    with pytest.raises(ApplicationError, match="应当回避"):
        appeal_services.appeal_form_panel(actor=personas["officer_x"], appeal=appeal, members=members, on=PANEL_ON)
    assert not appeal.panel.exists()


def test_panel_members_come_from_the_countys_own_subtree(reviewing, personas, panel_of):
    appeal = reviewing(panel=False)
    members = [*[(u, k) for u, k in panel_of() if k != "expert"], (personas["officer_y"], "expert")]
    with pytest.raises(ApplicationError, match="不是杭州市西湖区范围内的人员"):
        appeal_services.appeal_form_panel(actor=personas["officer_x"], appeal=appeal, members=members, on=PANEL_ON)


def test_the_panel_is_formed_only_during_the_review(make_case, lodge, personas, panel_of):
    appeal = lodge(make_case())
    with pytest.raises(ApplicationError, match="不能组成复查调查小组"):
        appeal_services.appeal_form_panel(actor=personas["officer_x"], appeal=appeal, members=panel_of())


def test_re_forming_the_panel_removes_the_grant_of_a_dropped_member(reviewing, personas, panel_of):
    appeal = reviewing()
    members = [(u, k) for u, k in panel_of() if k != "expert"] + [(personas["officer_x"], "expert")]
    appeal_services.appeal_form_panel(actor=personas["officer_x"], appeal=appeal, members=members, on=PANEL_ON)
    assert not appeal_selectors.appeals_visible_to(personas["expert_x"]).exists()
    assert not selectors.cases_visible_to(personas["expert_x"]).exists()
    assert appeal.case.timeline.filter(kind="appeal_panel_changed").exists()


# --- The decision ---------------------------------------------------------------------------


def test_a_decision_confirming_the_school_leaves_the_case_alone(decided, make_case):
    case = make_case(to="handling")
    appeal = decided(case)
    case.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED
    assert not appeal.overturned
    assert not appeal.decided_late
    assert case.status == Status.HANDLING
    assert not case.reopened_by_review
    assert set(appeal.panel.values_list("agreed", flat=True)) == {True}
    assert case.timeline.filter(kind="appeal_review_confirmed").exists()


def test_a_late_decision_is_allowed_and_marked_late(decided):
    appeal = decided(on=LATE_ON)
    assert appeal.status == AppealStatus.DECIDED
    assert appeal.decided_on > appeal.review_due
    assert appeal.decided_late
    assert "超过复查期限" in appeal.case.timeline.get(kind="appeal_decided").text


def test_an_overturning_decision_reopens_even_a_closed_case(decided, make_case, personas):
    """GIVEN a closed case the school found to be minor bullying
    WHEN the review finds it serious
    THEN the case goes back to the school as determined, with the review's finding, a
    signed-off determination recorded from the review, and the timeline says so."""
    case = make_case(to="closed")
    assert case.status == Status.CLOSED
    appeal = decided(case, severity="serious")
    case.refresh_from_db()
    assert appeal.overturned
    assert case.status == Status.DETERMINED
    assert case.reopened_by_review
    assert case.is_bullying is True and case.severity == "serious"
    assert case.closed_on is None
    assert case.determined_on == date(2026, 9, 8)  # the school's investigation was not late
    assert not case.determined_late
    review = Determination.objects.get(pk=appeal.review_determination_id)
    assert services_current(case) == review
    assert review.recorded_by == personas["officer_x"] == review.signed_off_by
    assert appeal.number in review.reasoning
    entry = case.timeline.get(kind="reopened_by_review")
    assert entry.text.startswith("复查改变认定，退回学校重新处理")
    assert not leaked(entry.text)
    # the school can take up the case again: a new measure moves it to handling
    from cases import services

    services.case_add_measure(
        actor=personas["chair_a"],
        case=case,
        kind="police_reprimand",
        party=case.parties.get(role="perpetrator"),
        responsible="校长",
        on=FILED_ON,
    )
    case.refresh_from_db()
    assert case.status == Status.HANDLING


def services_current(case):
    from cases.services import current_determination

    return current_determination(case)


def test_a_review_finding_no_bullying_overturns_too(decided, make_case):
    appeal = decided(make_case(), is_bullying=False, severity="")
    appeal.case.refresh_from_db()
    assert appeal.overturned
    assert appeal.case.is_bullying is False
    assert appeal.case.severity == ""


def test_a_decision_needs_a_panel(reviewing, personas):
    appeal = reviewing(panel=False)
    with pytest.raises(ApplicationError, match="请先组成复查调查小组"):
        appeal_services.appeal_decide(
            actor=personas["officer_x"], appeal=appeal, is_bullying=True, severity="minor", opinion="意见"
        )


def test_a_decision_needs_a_majority_and_notes_dissent(reviewing, personas):
    appeal = reviewing()
    officer = personas["officer_x"]
    with pytest.raises(ApplicationError, match="过半数"):
        appeal_services.appeal_decide(
            actor=officer,
            appeal=appeal,
            is_bullying=True,
            severity="minor",
            opinion="意见",
            agreed_by=[personas["expert_x"]],
        )
    two = [personas["expert_x"], personas["staff_a"]]
    with pytest.raises(ApplicationError, match="请记录不同意见"):
        appeal_services.appeal_decide(
            actor=officer, appeal=appeal, is_bullying=True, severity="minor", opinion="意见", agreed_by=two
        )
    appeal_services.appeal_decide(
        actor=officer,
        appeal=appeal,
        is_bullying=True,
        severity="minor",
        opinion="意见",
        agreed_by=two,
        agreement_note="家长代表认为应认定为情节比较恶劣。",
        on=DECIDED_ON,
    )
    agreed = dict(appeal.panel.values_list("user__username", "agreed"))
    assert agreed == {"staff_a": True, "expert_x": True, "chair_a2": False}
    assert "3 人中 2 人同意" in appeal.case.timeline.get(kind="appeal_decided").text


def test_a_bullying_finding_needs_a_severity(reviewing, personas):
    appeal = reviewing()
    before = snapshot(appeal)
    with pytest.raises(ApplicationError, match="严重程度"):
        appeal_services.appeal_decide(actor=personas["officer_x"], appeal=appeal, is_bullying=True, opinion="意见")
    assert snapshot(appeal) == before


def test_a_panel_member_cannot_record_the_decision(reviewing, personas):
    appeal = reviewing()
    with pytest.raises(PermissionDenied):
        appeal_services.appeal_decide(
            actor=personas["expert_x"], appeal=appeal, is_bullying=True, severity="minor", opinion="意见"
        )


# --- Filing ---------------------------------------------------------------------------------


def test_filing_ends_the_panels_access(decided, personas):
    appeal = decided()
    expert = personas["expert_x"]
    assert appeal_selectors.appeals_visible_to(expert).exists()
    appeal_services.appeal_file(actor=personas["officer_x"], appeal=appeal, on=FILED_ON)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FILED
    assert appeal.filed_with.code == "330100"
    expert = type(expert).objects.get(pk=expert.pk)
    assert not appeal_selectors.appeals_visible_to(expert).exists()
    assert not selectors.cases_visible_to(expert).exists()
    assert not expert.has_perm("appeals.view_appeal", appeal)
    assert "报杭州市备案" in appeal.case.timeline.get(kind="appeal_filed").text


def test_only_a_decided_review_is_filed(reviewing, personas):
    appeal = reviewing()
    with pytest.raises(ApplicationError, match="不能报上级备案"):
        appeal_services.appeal_file(actor=personas["officer_x"], appeal=appeal)


def test_the_city_sees_filed_appeals_of_its_subtree_only(decided, personas):
    appeal = decided()
    assert not appeal_selectors.appeals_visible_to(personas["city_a"]).exists()
    appeal_services.appeal_file(actor=personas["officer_x"], appeal=appeal, on=FILED_ON)
    assert list(appeal_selectors.appeals_visible_to(personas["city_a"])) == [appeal]
    assert not appeal_selectors.appeals_visible_to(personas["city_b"]).exists()
    assert not appeal_selectors.can_see_names(personas["city_a"], appeal)


# --- The calendar changes -------------------------------------------------------------------


def test_a_new_holiday_moves_the_review_due_date_and_the_timeline_says_so(reviewing, personas):
    appeal = reviewing()
    assert appeal.review_due == REVIEW_DUE
    calendar_day_set(actor=personas["sysadmin"], date=REVIEW_DUE, kind="holiday", name="临时调整")
    appeal.refresh_from_db()
    assert appeal.review_due == date(2026, 10, 10)  # the next day, Saturday 10-10, is a make-up working day
    entry = TimelineEntry.objects.filter(case=appeal.case, kind="appeal_due_recomputed").get()
    assert "2026-10-09" in entry.text


def test_a_decided_appeal_keeps_its_due_date_when_the_calendar_changes(decided, personas):
    appeal = decided()
    assert appeal_services.appeal_recompute_due_dates(actor=None, reason="测试") == 0
    appeal.refresh_from_db()
    assert appeal.review_due == REVIEW_DUE


def test_the_appeal_clock_is_registered_with_the_calendar():
    from bullying.deadlines.calendar import deadline_sources

    assert appeal_services.appeal_recompute_due_dates in deadline_sources()
