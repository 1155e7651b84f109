"""Detection of missing (漏报), late follow-up and possibly concealed (瞒报) reports, as
queries over all cases, and their reminders and escalation to the county."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bullying.deadlines.models import Escalation
from bullying.deadlines.reminders import reminders_sweep
from cases import services as case_services
from cases.appeals import services as appeal_services
from cases.models import Case, MeasureKind, PartyRole
from reporting import selectors, services
from tests.reporting.conftest import ON_TIME, chair_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def flagged(q) -> set[int]:
    return set(Case.objects.filter(q).values_list("pk", flat=True))


def determined_today(open_case, severity="serious", **overrides):
    """A case received 11-18, investigated 11-19 and determined on "today" (11-20)."""
    case = open_case(on=date(2026, 11, 18), **overrides)
    chair = chair_of(case.school)
    case_services.case_start_investigation(actor=chair, case=case, on=date(2026, 11, 19))
    case_services.case_determine(
        actor=chair, case=case, is_bullying=True, severity=severity, reasoning="认定构成欺凌。", on=date(2026, 11, 20)
    )
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------------------------------
# 漏报: initial and final reports


def test_a_serious_case_without_an_initial_report_after_24_hours_is_missing(personas, serious_case, open_case):
    """GIVEN serious cases determined on 11-10 (one reported, one not), a minor one, and a
    serious one determined today
    WHEN the office looks on 11-20
    THEN only the unreported serious case of 11-10 is missing its initial report."""
    unreported = serious_case()
    reported = serious_case()
    services.report_submit(actor=personas["chair_a"], case=reported, kind="initial", on=ON_TIME)
    minor = serious_case(severity="minor")
    fresh = determined_today(open_case)
    now = timezone.now()

    assert flagged(selectors.missing_initial_q(now)) == {unreported.pk}
    assert flagged(selectors.initial_due_q(now)) == {fresh.pk}
    assert minor.pk not in flagged(selectors.missing_initial_q(now) | selectors.initial_due_q(now))


def test_the_initial_limit_ends_24_hours_after_the_day_of_determination(serious_case, frozen_today):
    case = serious_case()  # determined 11-10: the limit is 24:00 on 11-11
    frozen_today.move_to(datetime(2026, 11, 11, 23, 59, tzinfo=SHANGHAI))
    assert case.pk not in flagged(selectors.missing_initial_q(timezone.now()))
    assert case.pk in flagged(selectors.initial_due_q(timezone.now()))
    frozen_today.move_to(datetime(2026, 11, 12, 0, 1, tzinfo=SHANGHAI))
    assert case.pk in flagged(selectors.missing_initial_q(timezone.now()))


def test_a_late_initial_report_ends_the_missing_flag_but_stays_late(personas, serious_case):
    case = serious_case()
    report = services.report_submit(actor=personas["chair_a"], case=case, kind="initial")
    assert report.is_late is True
    assert case.pk not in flagged(selectors.missing_initial_q(timezone.now()))


def test_a_closed_reported_case_owes_a_final_report_within_7_days(personas, serious_case, frozen_today):
    case = serious_case(to="closed")  # closed 11-18
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=ON_TIME)
    assert case.pk in flagged(selectors.final_due_q(timezone.now()))
    assert case.pk not in flagged(selectors.missing_final_q(timezone.now()))
    frozen_today.move_to(datetime(2026, 11, 26, 0, 1, tzinfo=SHANGHAI))
    assert case.pk in flagged(selectors.missing_final_q(timezone.now()))
    report = services.report_submit(actor=personas["chair_a"], case=case, kind="final")
    assert report.is_late is True
    assert case.pk not in flagged(selectors.missing_final_q(timezone.now()))


# ---------------------------------------------------------------------------------------
# 续报: a change after the last report


def test_a_change_after_the_last_report_calls_for_a_follow_up(personas, serious_case, frozen_today):
    """GIVEN a case reported on 11-20 10:00
    WHEN a new measure is recorded at 11:00 and nobody reports it
    THEN a follow-up is due, overdue after 72 hours, and satisfied by a follow-up report."""
    case = serious_case()
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=ON_TIME)
    assert case.pk not in flagged(selectors.follow_up_due_q(timezone.now()))

    frozen_today.shift(timedelta(hours=1))
    victim = case.parties.get(role=PartyRole.VICTIM)
    case_services.case_add_measure(
        actor=personas["chair_a"], case=case, kind=MeasureKind.VICTIM_COUNSELLING, party=victim, responsible="心理教师"
    )
    assert case.pk in flagged(selectors.follow_up_due_q(timezone.now()))
    assert case.pk not in flagged(selectors.follow_up_overdue_q(timezone.now()))

    frozen_today.shift(timedelta(hours=73))
    assert case.pk in flagged(selectors.follow_up_overdue_q(timezone.now()))
    services.report_submit(actor=personas["chair_a"], case=case, kind="follow_up")
    now = timezone.now()
    assert case.pk not in flagged(selectors.follow_up_overdue_q(now) | selectors.follow_up_due_q(now))


def test_changes_before_the_first_report_are_in_it_and_call_for_no_follow_up(personas, serious_case, frozen_today):
    case = serious_case()  # measures recorded before any report
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial")
    frozen_today.shift(timedelta(days=5))
    now = timezone.now()
    assert case.pk not in flagged(selectors.follow_up_overdue_q(now) | selectors.follow_up_due_q(now))


# ---------------------------------------------------------------------------------------
# 瞒报: the matter came through another channel before any school report


@pytest.mark.parametrize("source", ["police", "referral", "petition"])
def test_a_case_from_the_police_a_referral_or_a_petition_unreported_is_possibly_concealed(
    personas, serious_case, source
):
    concealed = serious_case(source=source)
    ordinary = serious_case(source="staff")
    assert flagged(selectors.possibly_concealed_q()) == {concealed.pk}
    assert ordinary.pk not in flagged(selectors.possibly_concealed_q())


def test_a_police_case_the_school_reported_the_day_it_came_in_is_not_flagged(personas, open_case, walk):
    case = open_case(source="police")
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=case.reported_on)
    walk(case, "handling", severity="serious")
    assert case.pk not in flagged(selectors.possibly_concealed_q())


def test_an_appeal_before_any_school_report_flags_the_case(personas, serious_case):
    """GIVEN two serious cases of the school, one reported on 11-11, one never
    WHEN the county receives an appeal against each on 11-12
    THEN only the unreported one is possibly concealed."""
    reported, unreported = serious_case(), serious_case()
    services.report_submit(actor=personas["chair_a"], case=reported, kind="initial", on=ON_TIME)
    for case in (reported, unreported):
        appeal_services.appeal_lodge(
            actor=personas["officer_x"],
            case=case,
            appellant_name="某家长",
            appellant_relation="父亲",
            grounds="认为学校认定的情节过轻。",
            received_on=date(2026, 11, 12),
        )
    assert flagged(selectors.possibly_concealed_q()) == {unreported.pk}
    listed = selectors.cases_possibly_concealed(Case.objects.all()).get()
    assert (listed.first_appeal_on, listed.first_report_on, listed.external_source) == (date(2026, 11, 12), None, False)


def test_a_report_after_the_appeal_does_not_clear_the_flag(personas, serious_case):
    case = serious_case()
    appeal_services.appeal_lodge(
        actor=personas["officer_x"],
        case=case,
        appellant_name="某家长",
        appellant_relation="母亲",
        grounds="不服认定。",
        received_on=date(2026, 11, 12),
    )
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=date(2026, 11, 13))
    assert case.pk in flagged(selectors.possibly_concealed_q())


# ---------------------------------------------------------------------------------------
# Written as queries: the count does not grow with the number of cases


def test_each_detection_is_one_query_however_many_cases(personas, serious_case, django_assert_num_queries):
    for i in range(6):
        serious_case(source="police" if i % 2 else "staff")
    now = timezone.now()
    for q in (
        selectors.missing_initial_q(now),
        selectors.follow_up_overdue_q(now),
        selectors.missing_final_q(now),
        selectors.possibly_concealed_q(),
    ):
        with django_assert_num_queries(1):
            list(Case.objects.filter(q))
    with django_assert_num_queries(1):
        rows = list(selectors.cases_with_missing_reports(Case.objects.all(), now))
    assert len(rows) == 6 and all(r.owes_initial for r in rows)


# ---------------------------------------------------------------------------------------
# Reminders and escalation (督办) through the shared sweep


def test_the_sweep_reminds_the_school_and_escalates_a_missing_report_to_the_county(personas, serious_case):
    case = serious_case()
    reminders_sweep(today=timezone.localdate())
    escalation = Escalation.objects.get(kind="report_initial", object_id=case.pk, resolved_at__isnull=True)
    assert escalation.escalation_unit == case.school.parent
    assert personas["chair_a"].notifications.filter(kind="reminder:report_initial").exists()
    assert personas["officer_x"].notifications.filter(kind="escalation:report_initial").exists()

    services.report_submit(actor=personas["chair_a"], case=case, kind="initial")
    reminders_sweep(today=timezone.localdate())
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


def test_the_sweep_escalates_a_report_the_county_has_not_signed_for(personas, serious_case, report_up, frozen_today):
    report = report_up(serious_case())
    frozen_today.shift(timedelta(days=2))
    reminders_sweep(today=timezone.localdate())
    hop = report.hops.get()
    escalation = Escalation.objects.get(kind="report_hop", object_id=hop.pk)
    assert escalation.escalation_unit.code == "330100"
    assert personas["city_a"].notifications.filter(kind="escalation:report_hop").exists()
