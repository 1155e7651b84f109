"""Every figure that drills into a list equals the length of that list, for the same caller.

A figure on the dashboard (page and API), on the workbench and in the statistics table is
counted through the selector of the list it links to (``cases_visible_to``,
``reports_visible_to``, ``appeals_visible_to``, ``awaiting_action``), cut to the unit's
subtree. So a report not yet forwarded to an office, or an appeal not yet filed with it
(备案), is neither in the office's list nor in its figures.

One test per role: school committee, county, city and province officers; the inspector
and the review expert, who have no dashboard, are refused it.
"""

import pytest

from cases.appeals.models import AppealStatus
from tests.reporting.conftest import DASHBOARD, fresh_api

CASES = "/api/v1/cases/"
REPORTS = "/api/v1/incident-reports/"
APPEALS = "/api/v1/appeals/"


@pytest.fixture
def world(mixed, file_appeal):
    """The ``mixed`` cases, plus an appeal of school A filed with city CA after its review
    and another under review, with expert_x on its panel (not filed: the city does not see it)."""
    made = mixed()
    assert file_appeal(made["a_unreported"]).status == AppealStatus.FILED
    assert file_appeal(made["a_minor_closed"], filed=False).status == AppealStatus.REVIEWING
    return made


def count(client, path, **params) -> int:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def html_total(client, path, **params) -> int:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def assert_page_figures_equal_lists(client, unit=None) -> None:
    """The dashboard page of ``unit`` (the caller's top unit by default): each card equals
    its list on the page, each school row of the league its case list."""
    response = client.get("/reporting/", {"org_unit": unit.pk} if unit else {})
    assert response.status_code == 200
    d, lists = response.context["d"], response.context["lists"]
    assert d.cases["overdue"] == len(lists.overdue_cases)  # 调查已超期 → #overdue
    assert d.missing_reports == len(lists.missing_reports)  # 漏报 → #missing
    assert d.cases["possibly_concealed"] == len(lists.concealed)  # 疑似瞒报 → #concealed
    assert d.reports["late_reports"] == len(lists.late_reports)  # 迟报 → #late-reports
    assert d.own_hops["awaiting"] == len(lists.awaiting)  # 待本级签收或转报 → #awaiting
    for row in response.context["league"]:
        if row["is_school"]:
            school = row["unit"].pk
            assert row["total"] == html_total(client, "/cases/", school=school)
            assert row["overdue"] == html_total(client, "/cases/", school=school, overdue="true")
    if d.unit.level == "school":  # 查看本校全部事件
        assert d.cases["total"] == html_total(client, "/cases/", school=d.unit.pk)


def assert_api_figures_equal_lists(api) -> None:
    """The API dashboard of the caller's top unit against the API lists of the same caller."""
    body = api.get(DASHBOARD).json()
    cases, reports, appeals = body["cases"], body["reports"], body["appeals"]
    assert cases["total"] == count(api, CASES)
    assert cases["overdue"] == count(api, CASES, overdue="true")
    for status, n in cases["by_status"].items():
        assert n == count(api, CASES, status=status), status
    assert reports["total"] == count(api, REPORTS)
    assert reports["late"] == count(api, REPORTS, late="true")
    assert appeals["total"] == count(api, APPEALS)
    assert appeals["review_overdue"] == count(api, APPEALS, overdue="true")
    for status, n in appeals["by_status"].items():
        assert n == count(api, APPEALS, status=status), status
    for child in body["children"]:
        if child["org_unit"]["level"] == "school":
            school = child["org_unit"]["id"]
            assert child["total"] == count(api, CASES, school=school)
            assert child["overdue"] == count(api, CASES, school=school, overdue="true")


def assert_workbench_equals_dashboard(client) -> None:
    """The workbench's key figures are those of the dashboard they link to."""
    home = client.get("/")
    assert home.status_code == 200
    f = home.context["f"]
    d = client.get("/reporting/").context["d"]
    assert (f["total"], f["overdue"], f["late_reports"], f["missing_reports"], f["possibly_concealed"]) == (
        d.cases["total"],
        d.cases["overdue"],
        d.reports["late_reports"],
        d.missing_reports,
        d.cases["possibly_concealed"],
    )


def assert_statistics_equal_dashboard(client, period: str = "2026-11") -> None:
    """The statistics table shows the dashboard's figures for the same period."""
    table = client.get("/reporting/statistics/", {"period": period}).context["figures"]
    d = client.get("/reporting/", {"period": period}).context["d"]
    rows = {label: value for s in table["sections"] for label, value in s["rows"]}
    assert (rows["受理事件"], rows["迟报"], rows["疑似瞒报"], rows["调查中已超期"]) == (
        d.cases["total"],
        d.reports["late_reports"],
        d.cases["possibly_concealed"],
        d.cases["overdue"],
    )


def test_for_the_school_committee_every_figure_equals_its_list(world, personas, client_for):
    client = client_for("chair_a")
    assert_page_figures_equal_lists(client)
    assert_api_figures_equal_lists(fresh_api(personas["chair_a"]))
    assert_statistics_equal_dashboard(client)
    # The committee's own school: both appeals of school A are on its list.
    assert fresh_api(personas["chair_a"]).get(DASHBOARD).json()["appeals"]["total"] == 2


def test_for_the_county_officer_every_figure_equals_its_list(world, personas, tree, client_for):
    client = client_for("officer_x")
    assert_page_figures_equal_lists(client)
    assert_page_figures_equal_lists(client, tree["A"])
    assert_api_figures_equal_lists(fresh_api(personas["officer_x"]))
    assert_workbench_equals_dashboard(client)
    assert_statistics_equal_dashboard(client)
    body = fresh_api(personas["officer_x"]).get(DASHBOARD).json()
    assert body["appeals"]["total"] == 3  # the upheld one, the filed one and the one under review


def test_for_the_city_officer_every_figure_equals_its_list(world, personas, tree, client_for):
    """GIVEN a late report of school A2 still at county X, an appeal upheld and one under
    review in county X, and one filed with the city
    THEN the city counts neither the report nor the two appeals it cannot open."""
    client = client_for("city_a")
    assert_page_figures_equal_lists(client)
    assert_page_figures_equal_lists(client, tree["X"])
    assert_api_figures_equal_lists(fresh_api(personas["city_a"]))
    assert_workbench_equals_dashboard(client)
    assert_statistics_equal_dashboard(client)
    body = fresh_api(personas["city_a"]).get(DASHBOARD).json()
    assert body["appeals"]["total"] == 1
    assert body["reports"]["late"] == 0  # the late report has not reached the city
    assert client.get("/reporting/").context["d"].own_hops["awaiting"] == 1  # forwarded by county X


def test_for_the_province_officer_every_figure_equals_its_list(world, personas, tree, client_for):
    client = client_for("province")
    assert_page_figures_equal_lists(client)
    assert_page_figures_equal_lists(client, tree["CA"])
    assert_page_figures_equal_lists(client, tree["X"])
    assert_api_figures_equal_lists(fresh_api(personas["province"]))
    assert_workbench_equals_dashboard(client)
    assert_statistics_equal_dashboard(client)
    body = fresh_api(personas["province"]).get(DASHBOARD).json()
    assert body["appeals"]["total"] == 1  # filed: the province reads it too
    assert body["reports"]["total"] == 0  # nothing has been forwarded to the province


@pytest.mark.parametrize("persona", ["inspector_a", "expert_x"])
def test_an_inspector_and_a_review_expert_have_no_dashboard_figures(world, personas, client_for, persona):
    """Neither holds a dashboard role: the dashboard, its API and the statistics are refused,
    the workbench shows no figures, and the menu offers no dashboard."""
    client = client_for(persona)
    assert fresh_api(personas[persona]).get(DASHBOARD).status_code == 403
    assert client.get("/reporting/").status_code == 403
    assert client.get("/reporting/statistics/").status_code == 403
    home = client.get("/")
    assert "f" not in home.context
    assert "reporting:dashboard" not in {item["name"] for item in home.context["nav_items"]}


def test_the_review_expert_counts_the_appeals_of_the_panel_only(world, personas):
    """The expert's appeal list is their panel grants: the one under review; the filed one
    ended the grant."""
    api = fresh_api(personas["expert_x"])
    assert count(api, APPEALS) == 1
    assert count(api, APPEALS, status="reviewing") == 1
