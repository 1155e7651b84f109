"""Who sees an incident report: the school that wrote it and each office it has reached,
from the moment it reaches it; never a sibling school, county or city."""

import pytest

from reporting import selectors, services
from tests.reporting.conftest import REPORTS, fresh_api

EVERYONE = [
    "staff_a",
    "member_a",
    "chair_a",
    "chair_a2",
    "chair_y",
    "chair_z",
    "officer_x",
    "officer_y",
    "officer_z",
    "expert_x",
    "city_a",
    "city_b",
    "province",
    "inspector_a",
    "sysadmin",
    "auditor",
]
SCHOOL_A = {"staff_a", "member_a", "chair_a"}


def who_sees(report, personas) -> set[str]:
    return {name for name in EVERYONE if selectors.reports_visible_to(personas[name]).filter(pk=report.pk).exists()}


def test_a_report_climbs_and_each_office_sees_it_only_once_it_arrives(personas, serious_case):
    """GIVEN a serious case of school A
    WHEN its chair reports it, the county forwards it, then the city forwards it
    THEN after each step exactly the school and the offices reached so far can see it."""
    case = serious_case()
    report = services.report_submit(actor=personas["chair_a"], case=case, kind="initial")
    assert who_sees(report, personas) == SCHOOL_A | {"officer_x"}

    services.report_acknowledge(actor=personas["officer_x"], report=report, note="已签收")
    assert who_sees(report, personas) == SCHOOL_A | {"officer_x"}

    services.report_forward(actor=personas["officer_x"], report=report, note="情节严重，报市教育局。")
    assert who_sees(report, personas) == SCHOOL_A | {"officer_x", "city_a"}

    services.report_acknowledge(actor=personas["city_a"], report=report)
    services.report_forward(actor=personas["city_a"], report=report, note="报省教育厅。")
    assert who_sees(report, personas) == SCHOOL_A | {"officer_x", "city_a", "province"}


@pytest.mark.parametrize("outsider", ["chair_a2", "chair_y", "officer_y", "officer_z", "city_b", "sysadmin", "auditor"])
def test_siblings_get_404_for_the_detail_and_do_not_find_it_in_the_list(personas, serious_case, report_up, outsider):
    report = report_up(serious_case(), up_to="province")
    client = fresh_api(personas[outsider])
    assert client.get(f"{REPORTS}{report.pk}/").status_code == 404
    assert client.post(f"{REPORTS}{report.pk}/acknowledge/", {}, format="json").status_code == 404
    assert client.post(f"{REPORTS}{report.pk}/forward/", {"note": "x"}, format="json").status_code == 404
    listed = client.get(REPORTS)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0


def test_the_city_gets_404_until_the_county_forwards(personas, serious_case, report_up):
    report = report_up(serious_case(), up_to="county")
    city = fresh_api(personas["city_a"])
    assert city.get(f"{REPORTS}{report.pk}/").status_code == 404
    services.report_acknowledge(actor=personas["officer_x"], report=report)
    assert city.get(f"{REPORTS}{report.pk}/").status_code == 404  # signed for, not yet sent up
    services.report_forward(actor=personas["officer_x"], report=report, note="报市。")
    assert fresh_api(personas["city_a"]).get(f"{REPORTS}{report.pk}/").status_code == 200
    assert fresh_api(personas["province"]).get(f"{REPORTS}{report.pk}/").status_code == 404


def test_a_report_of_another_county_stays_there(personas, serious_case):
    case = serious_case(school="YS")
    report = services.report_submit(actor=personas["chair_y"], case=case, kind="initial")
    assert who_sees(report, personas) == {"chair_y", "officer_y"}
    services.report_acknowledge(actor=personas["officer_y"], report=report)
    services.report_forward(actor=personas["officer_y"], report=report, note="报市。")
    # City CA is above county Y; the county X next door still sees nothing.
    assert who_sees(report, personas) == {"chair_y", "officer_y", "city_a"}


def test_the_html_pages_follow_the_same_rule(personas, serious_case, report_up, client_for):
    report = report_up(serious_case(), up_to="county")
    for name, expected in [
        ("chair_a", 200),
        ("officer_x", 200),
        ("city_a", 404),
        ("officer_y", 404),
        ("chair_a2", 404),
    ]:
        response = client_for(name).get(f"/reporting/reports/{report.pk}/")
        assert response.status_code == expected, name
    listing = client_for("officer_y").get("/reporting/reports/")
    assert listing.status_code == 200
    assert report.number not in listing.content.decode()
