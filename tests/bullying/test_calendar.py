"""The statutory clock: counting periods, the holiday calendar, its pages and recomputation."""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from bullying.audit.models import AuditEvent
from bullying.deadlines.calendar import (
    SHANGHAI,
    WorkCalendar,
    compute_due,
    due_explanation,
    recompute_open_deadlines,
    register_deadline_source,
    rule_for,
    today_local,
    unregister_deadline_source,
)
from bullying.deadlines.models import CalendarDay, CalendarYear, DayKind, DeadlineRule, RegionDeadlineSetting
from bullying.deadlines.services import (
    calendar_day_delete,
    calendar_day_set,
    calendar_year_import,
    region_deadline_setting_set,
)
from bullying.errors import ApplicationError

pytestmark = pytest.mark.django_db

D = dt.date
CAL = DeadlineRule.CALENDAR_DAYS
WORK = DeadlineRule.WORKING_DAYS


class FakeDeadlines:
    """Stands in for a feature with open due dates (cases, appeals, rectifications)."""

    def __init__(self):
        self.open: dict[str, dict] = {}
        self.calls: list[tuple] = []
        self.timeline: list[tuple] = []

    def add(self, key: str, start: dt.date, days: int, rule: str = CAL) -> dt.date:
        due = compute_due(start, days, rule).due
        self.open[key] = {"start": start, "days": days, "rule": rule, "due": due}
        return due

    def __call__(self, *, actor, reason, calendar):
        self.calls.append((actor, reason))
        changed = 0
        for key, row in self.open.items():
            new = compute_due(row["start"], row["days"], row["rule"], calendar=calendar).due
            if new != row["due"]:
                self.timeline.append((key, row["due"], new, reason))
                row["due"] = new
                changed += 1
        return changed


@pytest.fixture
def source():
    fake = FakeDeadlines()
    register_deadline_source(fake)
    yield fake
    unregister_deadline_source(fake)


def calendar_audits():
    return AuditEvent.objects.filter(action="calendar.changed")


# --- The examples in DOMAIN.md ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (D(2026, 11, 2), D(2026, 11, 12)),
        (D(2026, 11, 5), D(2026, 11, 16)),  # 11-15 is a Sunday
        (D(2026, 9, 24), D(2026, 10, 8)),  # 10-04 falls in National Day 10-01..10-07
    ],
)
def test_calendar_day_rule_gives_the_domain_examples(start, due):
    result = compute_due(start, 10, CAL)
    assert result.due == due
    assert (result.start, result.days, result.rule) == (start, 10, CAL)


def test_working_day_rule_counts_the_make_up_working_saturday():
    result = compute_due(D(2026, 9, 28), 10, WORK)
    assert result.due == D(2026, 10, 16)
    assert "10月1日至10月7日 国庆节 休息，不计入" in result.steps
    assert "10月10日 国庆节调休上班，计为第5个工作日" in result.steps
    assert "10月11日 星期日 休息，不计入" in result.steps


def test_it_does_not_count_the_start_day():
    result = compute_due(D(2026, 11, 2), 10)
    assert result.steps[0] == "起算：2026年11月2日（星期一）开始，当日不计入（《民法典》第二百零一条），自11月3日起算"
    assert not [s for s in result.steps if "顺延" in s]
    assert result.steps[-1] == "届满：2026年11月12日（星期四）24时"


def test_a_last_day_on_a_sunday_moves_to_monday_and_says_why():
    result = compute_due(D(2026, 11, 5), 10)
    assert "期间10日，按自然日计算，第10日为2026年11月15日（星期日）" in result.steps
    assert "11月15日 星期日 休息，顺延" in result.steps


def test_a_last_day_in_the_national_day_holiday_moves_past_every_holiday_day():
    result = compute_due(D(2026, 9, 24), 10)
    skipped = [s for s in result.steps if s.endswith("休息，顺延")]
    assert skipped == [f"10月{d}日 国庆节 休息，顺延" for d in (4, 5, 6, 7)]
    assert any("《民法典》第二百零三条" in s and "顺延至2026年10月8日（星期四）" in s for s in result.steps)


def test_the_explanation_is_one_paragraph_with_rule_and_steps():
    text = due_explanation(compute_due(D(2026, 9, 24), 10))
    assert text.startswith("按自然日计算（10日）：起算：2026年9月24日")
    assert "10月4日 国庆节 休息，顺延" in text
    assert "\n" not in text
    assert text.endswith("届满：2026年10月8日（星期四）24时。")


# --- Spring Festival 2026 -------------------------------------------------------------------


def test_the_seeded_2026_spring_festival_is_the_official_schedule():
    february = CalendarDay.objects.filter(date__gte=D(2026, 2, 1), date__lte=D(2026, 2, 28))
    holidays = {d.date for d in february if d.kind == DayKind.HOLIDAY}
    workdays = {d.date for d in february if d.kind == DayKind.WORKDAY}
    assert holidays == {D(2026, 2, day) for day in range(15, 24)}
    assert workdays == {D(2026, 2, 14), D(2026, 2, 28)}
    assert {d.name for d in february} == {"春节"}


def test_calendar_day_rule_over_spring_festival():
    result = compute_due(D(2026, 2, 5), 10)  # day 10 is 02-15, the first day of the holiday
    assert result.due == D(2026, 2, 24)
    assert [s for s in result.steps if s.endswith("休息，顺延")] == [f"2月{d}日 春节 休息，顺延" for d in range(15, 24)]


def test_a_last_day_on_a_make_up_working_saturday_is_not_extended():
    result = compute_due(D(2026, 2, 4), 10)  # day 10 is Saturday 02-14, a make-up working day
    assert result.due == D(2026, 2, 14)
    assert "2月14日 为春节调休上班日，是工作日，不顺延" in result.steps


def test_working_day_rule_over_spring_festival():
    result = compute_due(D(2026, 2, 9), 10, WORK)
    # 02-10..13 (4), Saturday 02-14 make-up (5), holiday 02-15..23, 02-24..27 (9), Saturday 02-28 make-up (10)
    assert result.due == D(2026, 2, 28)
    assert "2月14日 春节调休上班，计为第5个工作日" in result.steps
    assert "2月15日至2月23日 春节 休息，不计入" in result.steps
    assert "2月28日 春节调休上班，计为第10个工作日" in result.steps
    # The weekend inside the holiday is reported as part of it, not as a weekend.
    assert [s for s in result.steps if s.endswith("休息，不计入")] == ["2月15日至2月23日 春节 休息，不计入"]


# --- 15-day periods (appeal review) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "rule", "due"),
    [
        (D(2026, 11, 2), CAL, D(2026, 11, 17)),
        (D(2026, 9, 16), CAL, D(2026, 10, 8)),  # day 15 is 10-01
        (D(2026, 1, 20), CAL, D(2026, 2, 4)),
        (D(2026, 4, 30), WORK, D(2026, 5, 25)),  # Labour Day 05-01..05, Saturday 05-09 make-up
        (D(2026, 9, 16), WORK, D(2026, 10, 13)),  # Mid-autumn + National Day; 09-20 and 10-10 make-up
    ],
)
def test_fifteen_day_periods(start, rule, due):
    assert compute_due(start, 15, rule).due == due


# --- Year end: the next year is not published yet ---------------------------------------


def test_a_period_into_an_unpublished_year_counts_weekends_only_and_says_so():
    assert not CalendarYear.objects.filter(year=2027).exists()
    result = compute_due(D(2026, 12, 28), 10)
    assert result.due == D(2027, 1, 7)
    assert result.unpublished_years == (2027,)
    assert result.is_provisional
    assert "该年度节假日安排尚未录入" in due_explanation(result)


def test_an_unpublished_year_still_skips_its_weekends():
    result = compute_due(D(2026, 12, 28), 12)  # day 12 is Saturday 2027-01-09
    assert result.due == D(2027, 1, 11)
    assert "2027年1月9日 星期六 休息，顺延" in result.steps
    assert any(s.startswith("2027年：该年度节假日安排尚未录入") for s in result.steps)


def test_working_days_into_an_unpublished_year_count_new_years_day_as_a_friday():
    result = compute_due(D(2026, 12, 28), 10, WORK)
    assert result.due == D(2027, 1, 11)
    assert result.unpublished_years == (2027,)


def test_a_period_inside_published_years_has_no_note():
    result = compute_due(D(2026, 11, 2), 10)
    assert result.unpublished_years == ()
    assert "尚未录入" not in due_explanation(result)


# --- Recomputation when the calendar changes ---------------------------------------------


def test_a_sysadmin_adding_new_years_day_2027_recomputes_open_deadlines(personas, source):
    """GIVEN an open working-day deadline that runs into 2027 and one that does not
    WHEN the sysadmin registers 2027-01-01 as a holiday
    THEN the first moves a day later, the second stays, and the change is audited."""
    sysadmin = personas["sysadmin"]
    assert source.add("case-1", D(2026, 12, 28), 10, WORK) == D(2027, 1, 11)
    assert source.add("case-2", D(2026, 11, 2), 10, CAL) == D(2026, 11, 12)

    day = calendar_day_set(actor=sysadmin, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")

    assert day.created_by == sysadmin
    assert len(source.calls) == 1
    actor, reason = source.calls[0]
    assert actor == sysadmin
    assert "2027年1月1日" in reason
    assert source.open["case-1"]["due"] == D(2027, 1, 12)
    assert source.open["case-2"]["due"] == D(2026, 11, 12)
    assert [t[0] for t in source.timeline] == ["case-1"]
    event = calendar_audits().get()
    assert event.actor == sysadmin
    assert event.detail["op"] == "added"
    assert event.detail["date"] == "2027-01-01"
    assert event.detail["recomputed"] == 1
    # No stale cache: the next computation sees the new holiday.
    assert compute_due(D(2026, 12, 28), 10, WORK).due == D(2027, 1, 12)


def test_recompute_adds_up_every_registered_source(personas, source):
    other = FakeDeadlines()
    register_deadline_source(other)
    try:
        source.add("a", D(2026, 12, 28), 10, WORK)
        other.add("b", D(2026, 12, 28), 10, WORK)
        other.add("c", D(2026, 12, 29), 10, WORK)
        CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
        assert recompute_open_deadlines(actor=personas["sysadmin"], reason="测试") == 3
    finally:
        unregister_deadline_source(other)


def test_registering_a_source_twice_calls_it_once(personas, source):
    register_deadline_source(source)
    recompute_open_deadlines(actor=personas["sysadmin"], reason="测试")
    assert len(source.calls) == 1


def test_editing_a_day_recomputes_and_records_what_it_was(personas, source):
    source.add("case", D(2026, 9, 24), 10)  # nominal last day 10-04
    calendar_day_set(actor=personas["sysadmin"], date=D(2026, 10, 5), kind=DayKind.HOLIDAY, name="国庆节（调整）")
    event = calendar_audits().get()
    assert event.detail["op"] == "updated"
    assert event.detail["before"] == {"kind": "holiday", "name": "国庆节"}
    assert CalendarDay.objects.get(date=D(2026, 10, 5)).name == "国庆节（调整）"
    assert source.open["case"]["due"] == D(2026, 10, 8)  # still a rest day: nothing moves
    assert event.detail["recomputed"] == 0


def test_deleting_a_holiday_recomputes_and_is_audited(personas, source):
    source.add("case", D(2026, 9, 24), 10)
    calendar_day_delete(actor=personas["sysadmin"], date=D(2026, 10, 5))
    assert not CalendarDay.objects.filter(date=D(2026, 10, 5)).exists()
    assert source.open["case"]["due"] == D(2026, 10, 5)  # Monday 10-05 is now a working day
    event = calendar_audits().get()
    assert event.detail == {
        "op": "deleted",
        "date": "2026-10-05",
        "before": {"kind": "holiday", "name": "国庆节"},
        "recomputed": 1,
    }


def test_deleting_a_day_that_is_not_registered_is_refused(personas, source):
    with pytest.raises(ApplicationError, match="没有登记"):
        calendar_day_delete(actor=personas["sysadmin"], date=D(2026, 11, 3))
    assert source.calls == []


def test_a_failing_source_rolls_back_the_calendar_change(personas):
    def broken(*, actor, reason, calendar):
        raise RuntimeError("boom")

    register_deadline_source(broken)
    try:
        with pytest.raises(RuntimeError):
            calendar_day_set(actor=personas["sysadmin"], date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    finally:
        unregister_deadline_source(broken)
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
    assert not calendar_audits().exists()


def test_setting_a_day_to_what_it_already_is_changes_nothing(personas, source):
    calendar_day_set(actor=personas["sysadmin"], date=D(2026, 10, 1), kind=DayKind.HOLIDAY, name="国庆节")
    assert source.calls == []
    assert not calendar_audits().exists()


def test_it_refuses_a_make_up_working_day_on_a_weekday(personas, source):
    with pytest.raises(ApplicationError, match="本来就是工作日"):
        calendar_day_set(actor=personas["sysadmin"], date=D(2027, 1, 4), kind=DayKind.WORKDAY, name="元旦")
    assert not CalendarDay.objects.filter(date=D(2027, 1, 4)).exists()
    assert source.calls == []


def test_it_refuses_a_day_without_a_name(personas):
    with pytest.raises(ApplicationError, match="请填写节日名称"):
        calendar_day_set(actor=personas["sysadmin"], date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="  ")


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "province", "auditor"])
def test_only_a_sysadmin_may_change_the_calendar(personas, persona):
    with pytest.raises(ApplicationError, match="只有系统管理员"):
        calendar_day_set(actor=personas[persona], date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


# --- Per-region rule ------------------------------------------------------------------------


def test_the_rule_is_calendar_days_when_nothing_is_set(tree):
    assert rule_for(tree["A"]) == CAL


def test_a_school_inherits_its_provinces_rule_and_a_county_override_wins(tree, personas):
    sysadmin = personas["sysadmin"]
    region_deadline_setting_set(actor=sysadmin, org_unit=tree["P"], rule=WORK)
    assert rule_for(tree["A"]) == WORK
    assert rule_for(tree["ZS"]) == WORK

    region_deadline_setting_set(actor=sysadmin, org_unit=tree["X"], rule=CAL)
    assert rule_for(tree["A"]) == CAL
    assert rule_for(tree["A2"]) == CAL
    assert rule_for(tree["X"]) == CAL
    assert rule_for(tree["YS"]) == WORK  # a sibling county keeps the province's rule

    region_deadline_setting_set(actor=sysadmin, org_unit=tree["X"], rule=None)
    assert rule_for(tree["A"]) == WORK
    assert not RegionDeadlineSetting.objects.filter(org_unit=tree["X"]).exists()


def test_rule_for_reads_the_whole_chain_in_one_query(tree, personas, django_assert_num_queries):
    region_deadline_setting_set(actor=personas["sysadmin"], org_unit=tree["CA"], rule=WORK)
    school = tree["A"]
    with django_assert_num_queries(1):
        assert rule_for(school) == WORK


def test_a_period_is_counted_with_the_rule_the_unit_inherits(tree, personas):
    assert compute_due(D(2026, 9, 28), 10, rule_for(tree["A"])).due == D(2026, 10, 8)
    region_deadline_setting_set(actor=personas["sysadmin"], org_unit=tree["X"], rule=WORK)
    result = compute_due(D(2026, 9, 28), 10, rule_for(tree["A"]))
    assert result.rule == WORK
    assert result.due == D(2026, 10, 16)


def test_changing_a_region_rule_recomputes_and_is_audited(tree, personas, source):
    region_deadline_setting_set(actor=personas["sysadmin"], org_unit=tree["X"], rule=WORK)
    assert len(source.calls) == 1
    event = AuditEvent.objects.get(action="deadline_rule.changed")
    assert event.object_id == str(tree["X"].pk)
    assert event.detail["rule"] == WORK
    assert event.detail["before"] is None


@pytest.mark.parametrize("persona", ["officer_x", "province", "chair_a"])
def test_only_a_sysadmin_may_set_a_region_rule(tree, personas, persona):
    with pytest.raises(ApplicationError):
        region_deadline_setting_set(actor=personas[persona], org_unit=tree["X"], rule=WORK)
    assert not RegionDeadlineSetting.objects.exists()


# --- Entering a new year --------------------------------------------------------------------

NEW_YEAR_2027 = """\
# 2027年部分节假日安排（示例）
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03，holiday，元旦
2027-02-06\tworkday\t春节
"""


def test_entering_a_new_year_stores_it_and_marks_it_published(personas, source):
    source.add("case", D(2026, 12, 28), 10, WORK)
    result = calendar_year_import(actor=personas["sysadmin"], year=2027, text=NEW_YEAR_2027, source="国办发明电")
    assert (result.added, result.updated, result.removed) == (4, 0, 0)
    assert result.recomputed == 1
    assert CalendarDay.objects.get(date=D(2027, 2, 6)).kind == DayKind.WORKDAY
    assert CalendarDay.objects.get(date=D(2027, 1, 3)).name == "元旦"
    assert CalendarYear.objects.get(year=2027).published_by == personas["sysadmin"]
    after = compute_due(D(2026, 12, 28), 10, WORK)
    assert after.due == D(2027, 1, 12)
    assert after.unpublished_years == ()
    assert source.open["case"]["due"] == D(2027, 1, 12)
    assert calendar_audits().get().detail["op"] == "year_imported"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("2027-02-30,holiday,春节", "日期“2027-02-30”不正确"),
        ("2027-02-10,rest,春节", "类型“rest”不正确"),
        ("2028-01-01,holiday,元旦", "不属于 2027 年"),
        ("2027-02-10,holiday", "应为“日期,类型,名称”三项"),
        ("2027-01-01,holiday,元旦", "与第1行重复"),
        ("2027-02-10,workday,春节", "本来就是工作日"),
        ("2027-02-10,holiday,", "请填写节日名称"),
    ],
)
def test_a_bad_line_names_the_line_and_writes_nothing(personas, source, bad_line, message):
    text = f"2027-01-01,holiday,元旦\n{bad_line}\n2027-01-02,holiday,元旦\n"
    with pytest.raises(ApplicationError) as excinfo:
        calendar_year_import(actor=personas["sysadmin"], year=2027, text=text)
    assert "第2行" in excinfo.value.message
    assert message in excinfo.value.message
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not calendar_audits().exists()
    assert source.calls == []


def test_entering_a_year_that_already_has_days_needs_replace(personas):
    with pytest.raises(ApplicationError, match="替换该年度已有安排"):
        calendar_year_import(actor=personas["sysadmin"], year=2026, text="2026-01-01,holiday,元旦")
    assert CalendarDay.objects.filter(date__year=2026).count() == 39


def test_replacing_a_year_removes_the_days_not_listed(personas):
    result = calendar_year_import(
        actor=personas["sysadmin"], year=2026, text="2026-01-01,holiday,元旦\n2026-01-02,holiday,新年", replace=True
    )
    assert (result.added, result.updated, result.removed) == (0, 1, 37)
    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True)) == [
        D(2026, 1, 1),
        D(2026, 1, 2),
    ]


# --- The pages ------------------------------------------------------------------------------


def test_every_signed_in_user_can_read_the_calendar(client_for):
    response = client_for("chair_a").get("/calendar/?year=2026")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026-10-01" in body
    assert "国庆节" in body
    assert "已录入全年安排" in body
    assert "整年录入" not in body
    assert "/calendar/days/edit/" not in body


def test_an_unpublished_year_is_marked_on_the_page(client_for):
    body = client_for("officer_x").get("/calendar/?year=2027").content.decode()
    assert "该年度节假日安排尚未录入" in body


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_shows_how_a_due_date_was_computed(client_for):
    response = client_for("member_a").get("/calendar/", {"start": "2026-09-24", "days": 10, "rule": "calendar_days"})
    body = response.content.decode()
    assert "届满日：2026年10月8日 24时" in body
    assert "10月4日 国庆节 休息，顺延" in body


def test_the_page_shows_the_rule_of_the_users_unit(tree, personas, client_for):
    region_deadline_setting_set(actor=personas["sysadmin"], org_unit=tree["CA"], rule=WORK)
    body = client_for("chair_a").get("/calendar/").content.decode()
    assert "按工作日计算" in body


def test_the_sysadmin_sees_the_maintenance_links(client_for):
    body = client_for("sysadmin").get("/calendar/?year=2026").content.decode()
    assert "整年录入" in body
    assert "/calendar/days/2026-10-01/delete/" in body


def test_the_sysadmin_adds_a_day_on_the_page_and_deadlines_follow(client_for, source):
    source.add("case", D(2026, 12, 28), 10, WORK)
    response = client_for("sysadmin").post(
        "/calendar/days/edit/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2027"
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).kind == DayKind.HOLIDAY
    assert source.open["case"]["due"] == D(2027, 1, 12)


def test_the_sysadmin_sees_a_refusal_on_the_form(client_for):
    response = client_for("sysadmin").post(
        "/calendar/days/edit/", {"date": "2027-01-04", "kind": "workday", "name": "元旦"}
    )
    assert response.status_code == 200
    assert "本来就是工作日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 1, 4)).exists()


def test_the_sysadmin_deletes_a_day_on_the_page(client_for):
    response = client_for("sysadmin").post("/calendar/days/2026-10-05/delete/")
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=D(2026, 10, 5)).exists()


def test_bad_bulk_input_on_the_page_names_the_line_and_writes_nothing(client_for):
    response = client_for("sysadmin").post(
        "/calendar/bulk/", {"year": 2027, "lines": "2027-01-01,holiday,元旦\n2027-13-01,holiday,元旦"}
    )
    assert response.status_code == 200
    assert "第2行" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_good_bulk_input_on_the_page_publishes_the_year(client_for):
    response = client_for("sysadmin").post("/calendar/bulk/", {"year": 2027, "lines": NEW_YEAR_2027})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    assert CalendarDay.objects.filter(date__year=2027).count() == 4


def test_the_sysadmin_sets_a_region_rule_on_the_page(tree, client_for):
    response = client_for("sysadmin").post("/calendar/rules/", {"org_code": "330106", "rule": "working_days"})
    assert response.status_code == 302
    assert rule_for(tree["A"]) == WORK


WRITE_REQUESTS = [
    ("get", "/calendar/days/edit/", {}),
    ("post", "/calendar/days/edit/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}),
    ("post", "/calendar/days/2026-10-01/delete/", {}),
    ("get", "/calendar/bulk/", {}),
    ("post", "/calendar/bulk/", {"year": 2027, "lines": NEW_YEAR_2027}),
    ("post", "/calendar/rules/", {"org_code": "330106", "rule": "working_days"}),
]


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "city_a", "province", "inspector_a", "auditor"])
@pytest.mark.parametrize(("method", "url", "data"), WRITE_REQUESTS)
def test_anyone_but_a_sysadmin_gets_404_on_the_write_urls(client_for, persona, method, url, data):
    response = getattr(client_for(persona), method)(url, data)
    assert response.status_code == 404
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
    assert CalendarDay.objects.filter(date=D(2026, 10, 1)).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not RegionDeadlineSetting.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id=url).exists()


# --- Time, queries, input -------------------------------------------------------------------


def test_today_is_the_day_in_shanghai():
    with time_machine.travel(dt.datetime(2026, 11, 1, 17, 30, tzinfo=dt.UTC), tick=False):
        assert today_local() == D(2026, 11, 2)


def test_a_start_datetime_counts_from_its_shanghai_day():
    started = dt.datetime(2026, 11, 1, 17, 30, tzinfo=dt.UTC)  # 01:30 on 11-02 in Shanghai
    result = compute_due(started, 10)
    assert result.start == D(2026, 11, 2)
    assert result.due == D(2026, 11, 12)


def test_the_period_ends_at_midnight_after_the_due_day_in_shanghai():
    result = compute_due(D(2026, 11, 2), 10)
    assert result.ends_at == dt.datetime(2026, 11, 13, 0, 0, tzinfo=SHANGHAI)
    assert result.ends_at == dt.datetime(2026, 11, 12, 16, 0, tzinfo=dt.UTC)
    assert not result.is_overdue(D(2026, 11, 12))
    assert result.is_overdue(D(2026, 11, 13))


def test_compute_due_reads_the_calendar_in_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        compute_due(D(2026, 12, 28), 15, WORK)  # crosses New Year: still one query for the days


def test_a_shared_snapshot_answers_a_batch_without_more_queries(django_assert_num_queries):
    calendar = WorkCalendar()
    compute_due(D(2026, 9, 24), 10, calendar=calendar)
    with django_assert_num_queries(0):
        assert compute_due(D(2026, 9, 28), 10, WORK, calendar=calendar).due == D(2026, 10, 16)
        assert compute_due(D(2026, 11, 5), 10, calendar=calendar).due == D(2026, 11, 16)


@pytest.mark.parametrize("days", [0, -1, True])
def test_it_rejects_a_period_that_is_not_a_positive_number_of_days(days):
    with pytest.raises(ApplicationError, match="正整数"):
        compute_due(D(2026, 11, 2), days)


def test_it_rejects_an_unknown_rule():
    with pytest.raises(ApplicationError, match="未知的期限计算规则"):
        compute_due(D(2026, 11, 2), 10, "lunar_days")


# --- The seed -------------------------------------------------------------------------------


def test_the_seed_publishes_2004_to_2026_from_the_data_file():
    data = json.loads(
        (Path(settings.BASE_DIR) / "bullying" / "deadlines" / "data" / "holidays_cn.json").read_text("utf-8")
    )
    assert data["years"] == list(range(2004, 2027))
    assert list(CalendarYear.objects.values_list("year", flat=True)) == list(range(2004, 2027))
    assert CalendarDay.objects.count() == len(data["days"])
    assert CalendarDay.objects.get(date=D(2015, 9, 3)).kind == DayKind.HOLIDAY
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).kind == DayKind.WORKDAY


def test_the_working_day_explanation_names_working_days():
    text = due_explanation(compute_due(D(2026, 9, 28), 10, WORK))
    assert text.startswith("按工作日计算（10个工作日）：")
