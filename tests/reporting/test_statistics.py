"""Periodic statistics tables (基本情况统计表): periods, submission, and completeness and
timeliness per unit as the office above sees it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from bullying.errors import ApplicationError
from reporting import selectors, services
from reporting.models import StatReturn
from reporting.periods import period_by_code
from tests.reporting.conftest import TODAY


@pytest.fixture(autouse=True)
def _friday_20_november(frozen_today):
    """Every test here runs on Friday 2026-11-20 (tests/cases/conftest.py)."""


@pytest.mark.parametrize(
    ("code", "start", "end", "due"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 15)),
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 5)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 5)),
        # The campaign dates (教基厅函〔2021〕5号): 排查 by 3-15, ledgers by 3-20, …
        ("2026-C1", date(2026, 1, 1), date(2026, 3, 15), date(2026, 3, 20)),
        ("2026-C2", date(2026, 3, 16), date(2026, 6, 15), date(2026, 6, 20)),
        ("2026-C3", date(2026, 6, 16), date(2026, 7, 10), date(2026, 7, 15)),
    ],
)
def test_a_period_code_names_its_dates(code, start, end, due):
    p = period_by_code(code)
    assert (p.start, p.end, p.due) == (start, end, due)


@pytest.mark.parametrize("code", ["", "2026-13", "2026-3", "2026-C9", "abc", "1999-01"])
def test_a_bad_period_code_is_a_clear_error(code):
    with pytest.raises(ApplicationError, match="统计期"):
        period_by_code(code)


def test_the_office_above_sees_who_submitted_on_time_late_or_not_at_all(personas, tree, serious_case):
    """GIVEN October's tables due on 11-05
    WHEN school A submits on 11-03 and school A2 on 11-20, and county X not at all
    THEN county X sees A on time and A2 late, and city CA sees county X missing."""
    serious_case()
    on_time = services.stat_return_submit(
        actor=personas["chair_a"], unit=tree["A"], period="2026-10", comment="本月无重大事件。", on=date(2026, 11, 3)
    )
    late = services.stat_return_submit(actor=personas["chair_a2"], unit=tree["A2"], period="2026-10")
    assert (on_time.is_late, late.is_late, late.submitted_on) == (False, True, TODAY)

    county_view = {
        c.unit.code: c.status for c in selectors.stat_completeness(tree["X"], period_by_code("2026-10"), today=TODAY)
    }
    assert county_view == {"2133010601": "on_time", "2133010602": "late"}
    city_view = {
        c.unit.code: c.status for c in selectors.stat_completeness(tree["CA"], period_by_code("2026-10"), today=TODAY)
    }
    assert city_view == {"330106": "missing", "330105": "missing"}
    # This month's tables are not yet due.
    city_now = {c.status for c in selectors.stat_completeness(tree["CA"], period_by_code("2026-11"), today=TODAY)}
    assert city_now == {"pending"}


def test_the_table_is_computed_from_the_data_of_the_period(personas, tree, serious_case):
    serious_case()  # reported 2026-11-02
    services.stat_return_submit(actor=personas["officer_x"], unit=tree["X"], period="2026-C3", on=date(2026, 7, 14))
    july = StatReturn.objects.get(org_unit=tree["X"], period="2026-C3")
    figures = {label: value for s in july.figures["sections"] for label, value in s["rows"]}
    assert figures["受理事件"] == 0


def test_a_second_submission_corrects_the_table_but_not_its_timeliness(personas, tree, serious_case, audit_count):
    first = services.stat_return_submit(
        actor=personas["officer_x"], unit=tree["X"], period="2026-10", on=date(2026, 11, 9)
    )
    assert first.is_late is True
    serious_case()
    again = services.stat_return_submit(actor=personas["officer_x"], unit=tree["X"], period="2026-10", comment="更正。")
    assert (again.pk, again.revision, again.is_late, again.comment) == (first.pk, 1, True, "更正。")
    assert audit_count(action="stats.corrected") == 1


def test_a_table_cannot_be_submitted_before_the_cut_off_day(personas, tree):
    with pytest.raises(ApplicationError, match="统计截止日"):
        services.stat_return_submit(actor=personas["chair_a"], unit=tree["A"], period="2026-11")


@pytest.mark.parametrize(("who", "unit"), [("officer_x", "A"), ("chair_a", "X"), ("city_a", "X"), ("chair_a", "A2")])
def test_only_the_unit_itself_submits_its_table(personas, tree, who, unit):
    with pytest.raises(PermissionDenied):
        services.stat_return_submit(actor=personas[who], unit=tree[unit], period="2026-10")


def test_the_statistics_page(personas, tree, client_for):
    services.stat_return_submit(actor=personas["chair_a"], unit=tree["A"], period="2026-10", on=date(2026, 11, 3))
    page = client_for("officer_x").get("/reporting/statistics/", {"period": "2026-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "按时报送" in text and "逾期未报" in text and "基本情况统计表" in text

    posted = client_for("chair_a2").post(
        f"/reporting/statistics/?org_unit={tree['A2'].pk}&period=2026-10", {"comment": "补报。"}
    )
    assert posted.status_code == 302
    assert StatReturn.objects.get(org_unit=tree["A2"], period="2026-10").is_late is True
    assert (
        client_for("officer_x")
        .post(f"/reporting/statistics/?org_unit={tree['A'].pk}&period=2026-10", {"comment": "代报"})
        .status_code
        == 403
    )
    assert client_for("city_a").get("/reporting/statistics/", {"org_unit": tree["Z"].pk}).status_code == 404
    refused = client_for("chair_a").post(f"/reporting/statistics/?org_unit={tree['A'].pk}&period=2026-11", {})
    assert refused.status_code == 400 and "统计截止日" in refused.content.decode()
