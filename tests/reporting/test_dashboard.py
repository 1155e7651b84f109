"""Dashboards per tier: the figures match counts made independently here, drill down to
child units inside the caller's scope (404 outside), and cost a fixed number of queries
whatever the number of units and cases."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import OrgUnit, Role, User
from accounts.services import _Row, org_units_import, user_add
from cases.appeals.models import Appeal
from cases.models import Case, Status
from tests.conftest import PASSWORD
from tests.reporting.conftest import DASHBOARD, TODAY, fresh_api

REPORTABLE = {"serious", "severe", "criminal"}


# ---------------------------------------------------------------------------------------
# Independent counts, the plain way: Python over every row, by the visibility rules of
# API.md: a report counts once it has reached the viewer's office (or is the viewer's own
# school's); an appeal counts for the county office handling it, for the offices above
# once filed with them (备案), and for the committee of the appealed school.


def reached(report, viewer: User) -> bool:
    units = {m.org_unit_id for m in viewer.memberships.all()}
    return report.school_id in units or any(h.org_unit_id in units for h in report.hops.all())


def appeal_seen(appeal: Appeal, viewer: User) -> bool:
    for m in viewer.memberships.select_related("org_unit"):
        if m.role == Role.COUNTY_OFFICER and appeal.county.path.startswith(m.org_unit.path):
            return True
        if m.role in (Role.CITY_OFFICER, Role.PROVINCE_OFFICER) and appeal.status == "filed":
            return appeal.county.path.startswith(m.org_unit.path)
        if m.role in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR) and appeal.case.school_id == m.org_unit_id:
            return True
    return False


def expected_for(unit: OrgUnit, viewer: User) -> dict:
    cases = [c for c in Case.objects.select_related("school") if c.school.path.startswith(unit.path)]
    reports = {(r.case_id, r.kind): r for c in cases for r in c.incident_reports.all()}
    seen_reports = [r for r in reports.values() if reached(r, viewer)]
    return {
        "total": len(cases),
        "by_status": dict(Counter(c.status for c in cases)),
        "by_severity": dict(Counter(c.severity for c in cases if c.is_bullying)),
        "overdue": sum(1 for c in cases if c.status == Status.INVESTIGATING and c.investigation_due < TODAY),
        "missing_initial": sum(
            1
            for c in cases
            if c.is_bullying
            and c.severity in REPORTABLE
            and (c.pk, "initial") not in reports
            and (TODAY - c.determined_on).days >= 2
        ),
        "late_reports": sum(1 for r in seen_reports if r.is_late),
        "concealed": sum(1 for c in cases if concealed(c)),
        "appeals": sum(
            1
            for a in Appeal.objects.select_related("case__school", "county")
            if a.case.school.path.startswith(unit.path) and appeal_seen(a, viewer)
        ),
    }


def concealed(case: Case) -> bool:
    """Came through the police, a referral, a petition or an appeal before any school report."""
    report_days = [r.reported_on for r in case.incident_reports.all()]
    signals = [a.received_on for a in case.appeals.all()]
    if case.source in ("police", "referral", "petition"):
        signals.append(case.reported_on)
    return any(not any(day <= signal for day in report_days) for signal in signals)


def nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


@pytest.mark.parametrize(
    ("persona", "unit"), [("province", "P"), ("city_a", "CA"), ("officer_x", "X"), ("chair_a", "A")]
)
def test_the_figures_match_counts_made_independently(personas, tree, mixed, persona, unit):
    mixed()
    expected = expected_for(tree[unit], personas[persona])
    body = fresh_api(personas[persona]).get(DASHBOARD, {"org_unit": tree[unit].pk}).json()
    cases = body["cases"]
    assert body["org_unit"]["id"] == tree[unit].pk
    assert cases["total"] == expected["total"]
    assert nonzero(cases["by_status"]) == expected["by_status"]
    assert nonzero(cases["by_severity"]) == expected["by_severity"]
    assert cases["overdue"] == expected["overdue"]
    assert body["reports"]["missing_initial"] == expected["missing_initial"]
    assert body["reports"]["late"] == expected["late_reports"]
    assert body["reports"]["possibly_concealed"] == expected["concealed"]
    assert body["appeals"]["total"] == expected["appeals"]
    # Every figure drills down: the children add up to the unit.
    children = body["children"]
    if unit != "A":
        assert sum(c["total"] for c in children) == cases["total"]
        assert sum(c["overdue"] for c in children) == cases["overdue"]
        assert sum(c["late_reports"] for c in children) == body["reports"]["late"]
        assert sum(c["appeals"] for c in children) == body["appeals"]["total"]
        assert sum(c["possibly_concealed"] for c in children) == body["reports"]["possibly_concealed"]
    for child in body["children"]:
        sub = expected_for(OrgUnit.objects.get(pk=child["org_unit"]["id"]), personas[persona])
        assert (child["total"], child["overdue"]) == (sub["total"], sub["overdue"])


def test_the_province_sees_each_city_and_the_county_the_upheld_appeal(personas, tree, mixed):
    """GIVEN an appeal upheld by county X (never filed with the offices above: only a
    review decision is filed, 备案)
    THEN county X counts it, and the province, which cannot open it, does not."""
    mixed()
    body = fresh_api(personas["province"]).get(DASHBOARD).json()
    assert body["org_unit"]["code"] == "330000"  # the caller's top unit by default
    assert [c["org_unit"]["code"] for c in body["children"]] == ["330100", "330200"]
    assert {c["org_unit"]["code"]: c["total"] for c in body["children"]} == {"330100": 9, "330200": 1}
    assert body["cases"]["by_form"]["cyber"] == 1 and body["cases"]["by_source"]["police"] == 1
    assert body["appeals"]["total"] == 0
    county = fresh_api(personas["officer_x"]).get(DASHBOARD).json()
    assert county["appeals"]["upheld"] == 1 and county["appeals"]["overturned"] == 0


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("officer_x", "X", 200),
        ("officer_x", "A", 200),
        ("officer_x", "Y", 404),
        ("officer_x", "CA", 404),
        ("city_a", "Y", 200),
        ("city_a", "Z", 404),
        ("city_b", "A", 404),
        ("chair_a", "A2", 404),
        ("province", "ZS", 200),
    ],
)
def test_any_unit_in_scope_drills_down_and_others_are_404(personas, tree, persona, unit, status, client_for):
    assert fresh_api(personas[persona]).get(DASHBOARD, {"org_unit": tree[unit].pk}).status_code == status
    assert client_for(persona).get("/reporting/", {"org_unit": tree[unit].pk}).status_code == status


def test_a_bad_unit_id_is_400_and_a_role_without_dashboards_is_403(personas, tree):
    assert fresh_api(personas["officer_x"]).get(DASHBOARD, {"org_unit": "abc"}).status_code == 400
    assert fresh_api(personas["staff_a"]).get(DASHBOARD).status_code == 403
    assert fresh_api(personas["sysadmin"]).get(DASHBOARD, {"org_unit": tree["P"].pk}).status_code == 404


def test_the_county_page_links_each_school_to_its_cases(personas, tree, mixed, client_for):
    mixed()
    page = client_for("officer_x").get("/reporting/").content.decode()
    assert f"/cases/?school={tree['A'].pk}" in page
    assert f"/cases/?school={tree['A'].pk}&amp;overdue=true" in page
    assert f"?org_unit={tree['A2'].pk}" in page
    city = client_for("city_a").get("/reporting/").content.decode()
    assert f"?org_unit={tree['X'].pk}" in city and "/cases/?school=" not in city


def test_a_period_limits_the_figures(personas, tree, mixed):
    mixed()
    client = fresh_api(personas["province"])
    assert client.get(DASHBOARD, {"period": "2026-11"}).json()["cases"]["total"] == 10
    assert client.get(DASHBOARD, {"period": "2026-10"}).json()["cases"]["total"] == 0
    assert client.get(DASHBOARD, {"period": "2026-13"}).status_code == 400


# ---------------------------------------------------------------------------------------
# Query counts: pinned, and the same for a small and a larger tree with more cases

# Memberships, then the child units, cases, the cases' report detections, reports, report
# hops and appeals, each grouped by child unit in one statement.
DASHBOARD_QUERIES = 7
# The same, plus reading the requested unit inside the caller's scope.
DASHBOARD_QUERIES_FOR_UNIT = 8


def grow(tree, personas, open_case, walk, report_up, n: int) -> None:
    """Add ``n`` counties of two schools each under city CA, with cases and reports."""
    rows = []
    for i in range(n):
        county = f"3301{90 + i:02d}"
        rows.append(_Row(0, county, f"测试区{i}", "county", "330100"))
        for j in (1, 2):
            rows.append(_Row(0, f"21{county}{j:02d}", f"测试区{i}第{j}小学", "school", county))
    assert not org_units_import(rows=rows).errors
    for unit in OrgUnit.objects.filter(code__in=[r.code for r in rows if r.level == "school"]):
        user_add(username=f"chair_{unit.code}", org_code=unit.code, role=Role.COMMITTEE_CHAIR, password=PASSWORD)
        tree[unit.code] = unit
        walk(open_case(school=unit.code), "handling", severity="serious")
        open_case(school=unit.code, source="police")
    for _ in range(4):
        report_up(walk(open_case(), "handling", severity="serious"), up_to="province")


@pytest.fixture
def open_anywhere(open_case, tree):
    """``open_case`` that also accepts a school code of the grown tree."""

    def make(*, school="A", **kw):
        if school not in tree:
            tree[school] = OrgUnit.objects.get(code=school)
        return open_case(school=school, **kw)

    return make


def count_queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("persona", ["officer_x", "city_a", "province"])
def test_the_dashboard_api_needs_the_same_queries_for_a_small_and_a_larger_tree(
    personas, tree, mixed, open_anywhere, walk, report_up, django_assert_num_queries, persona
):
    mixed()
    user = personas[persona]
    client = fresh_api(user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(DASHBOARD).status_code == 200
    few = count_queries(fresh_api(user), DASHBOARD, {"org_unit": tree["CA" if persona != "officer_x" else "X"].pk})

    grow(tree, personas, open_anywhere, walk, report_up, n=6)
    assert Case.objects.count() >= 10 + 6 * 2 * 2 + 4
    client = fresh_api(user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(DASHBOARD).status_code == 200
    client = fresh_api(user)
    with django_assert_num_queries(DASHBOARD_QUERIES_FOR_UNIT):
        response = client.get(DASHBOARD, {"org_unit": tree["CA" if persona != "officer_x" else "X"].pk})
    many = count_queries(fresh_api(user), DASHBOARD, {"org_unit": tree["CA" if persona != "officer_x" else "X"].pk})
    assert few == many == DASHBOARD_QUERIES_FOR_UNIT
    if persona != "officer_x":
        assert len(response.json()["children"]) == 2 + 6


# The page: the session and user, memberships, the six dashboard queries, the monthly
# trend, the grades, six lists (overdue cases, missing reports, possibly concealed, late
# reports, overdue hops, reports awaiting this office), the breadcrumbs and the unread
# notification count. The caller's panel grants are not read: the unit lies inside the
# caller's case scope (``cases_visible_to(within=…)``). The session is saved at most once
# a minute (accounts.middleware), so not on these requests: the client has just signed in.
PAGE_QUERIES = 19
# The export: the same without the breadcrumbs and the notification count.
EXPORT_QUERIES = 17


def test_the_dashboard_page_and_export_need_the_same_queries_for_a_small_and_a_larger_tree(
    personas, tree, mixed, open_anywhere, walk, report_up, client_for
):
    mixed()
    client = client_for("city_a")
    client.get("/notifications/")  # the first request after signing in saves the session
    assert count_queries(client, "/reporting/", {}) == PAGE_QUERIES
    assert count_queries(client, "/reporting/export.xlsx", {}) == EXPORT_QUERIES
    grow(tree, personas, open_anywhere, walk, report_up, n=6)
    client = client_for("city_a")
    client.get("/notifications/")
    assert count_queries(client, "/reporting/", {}) == PAGE_QUERIES
    assert count_queries(client, "/reporting/export.xlsx", {}) == EXPORT_QUERIES
