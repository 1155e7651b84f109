"""How many queries the busiest pages make, pinned exactly.

A page that grows a query per row, or a new lookup per request, fails here with the
number it now needs: lower the pin when a change saves queries, raise it only for a
query that is meant to be there. The data: four cases of school A (and one of A2) in
several states, an incident report with the county, and a submitted supervision of
school A with two rectifications.
"""

from datetime import date

import pytest
from django.core.cache import cache

from inspections import services as inspection_services
from reporting import services as reporting_services
from tests.cases.conftest import open_case, walk  # noqa: F401 - the case fixtures
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def busy(open_case, walk, personas, tree):  # noqa: F811 - the case fixtures
    cases = {
        "handling": walk(open_case(), "handling", severity="serious"),
        "investigating": walk(open_case(), "investigating"),
        "follow_up": walk(open_case(source="parent"), "follow_up"),
        "reported": open_case(),
        "a2": open_case(school="A2"),
    }
    reporting_services.report_submit(
        actor=personas["chair_a"], case=cases["handling"], kind="initial", on=date(2026, 11, 11)
    )
    inspector = personas["inspector_a"]
    inspection = inspection_services.inspection_create(
        actor=inspector, target=tree["A"], kind="supervision", inspected_on=date(2026, 11, 2)
    )
    answer_all(inspection, inspector, overrides={30: ("not_met", "超期。"), 34: ("partly_met", "学时不全。")})
    inspection_services.inspection_update(actor=inspector, inspection=inspection, summary="部分处置时限执行不严。")
    inspection_services.inspection_submit(actor=inspector, inspection=inspection)
    for number in (30, 34):
        inspection_services.rectification_raise(
            actor=inspector, inspection=inspection, number=number, requirement="限期整改到位。", days=10
        )
    return cases


def _get(client, path, django_assert_num_queries, queries):
    """The queries of a page as a running server answers it: the caches of the process
    (content types, permissions) warmed by a first request, whichever test ran before,
    and the shared cache (the workbench's figures) empty."""
    client.get(path)
    cache.clear()
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("persona", "queries"), [("chair_a", 24), ("officer_x", 23)])
def test_the_case_page(busy, client_for, django_assert_num_queries, persona, queries):
    _get(client_for(persona), f"/cases/{busy['handling'].pk}/", django_assert_num_queries, queries)


WORKBENCH = {
    "staff_a": 6,
    "member_a": 11,
    "chair_a": 11,
    "officer_x": 19,
    "expert_x": 4,
    "city_a": 19,
    "province": 17,
    "inspector_a": 4,
    "sysadmin": 4,
    "auditor": 4,
}


@pytest.mark.parametrize(("persona", "queries"), WORKBENCH.items())
def test_the_workbench(busy, client_for, django_assert_num_queries, persona, queries):
    _get(client_for(persona), "/", django_assert_num_queries, queries)


@pytest.mark.parametrize(("persona", "queries"), [("officer_x", 7)])
def test_the_incident_report_list(busy, client_for, django_assert_num_queries, persona, queries):
    _get(client_for(persona), "/reporting/reports/", django_assert_num_queries, queries)


@pytest.mark.parametrize(("persona", "queries"), [("inspector_a", 6), ("chair_a", 6)])
def test_the_rectification_list(busy, client_for, django_assert_num_queries, persona, queries):
    _get(client_for(persona), "/inspections/rectifications/", django_assert_num_queries, queries)
