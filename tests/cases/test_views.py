"""The case screens: intake, the case page and its steps, the list, the workbench panel."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bullying.audit.models import AuditEvent
from cases import services
from cases.models import Case, Status
from tests.cases.conftest import (
    CANARIES,
    PERPETRATOR,
    REPORTED_ON,
    VICTIM,
    VICTIM_NO,
    WITNESS,
    leaked_names,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("frozen_today")

REASONING = "经调查，该生多次在班级群辱骂受害学生（此段为测试保留文字）。"


def detail(case) -> str:
    return reverse("cases:detail", args=[case.pk])


def step(case, name: str) -> str:
    return reverse("cases:step", args=[case.pk, name])


def intake_form(school, **overrides) -> dict:
    data = {
        "school": str(school.pk),
        "occurred_at": "2026-11-19T10:20",
        "location": "学校操场东侧",
        "source": "student",
        "forms": ["physical", "verbal"],
        "summary": "体育课后推搡受害学生并辱骂。",
        "on": "2026-11-20",
        "party-TOTAL_FORMS": "4",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "30",
        "party-0-role": "victim",
        "party-0-name": VICTIM,
        "party-0-student_no": VICTIM_NO,
        "party-0-grade": "五年级",
        "party-0-class_name": "2班",
        "party-1-role": "perpetrator",
        "party-1-name": PERPETRATOR,
        "party-2-role": "witness",
        "party-2-name": WITNESS,
        "party-3-role": "",
        "party-3-name": "",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------
# Intake


def test_the_intake_form_opens_a_case(client_for, tree, personas):
    """GIVEN a teacher of school A on the intake page
    WHEN they fill in the incident and three parties (the fourth row left empty)
    THEN the case is opened, they land on its page, and its URL carries only the id."""
    client = client_for("staff_a")
    assert client.get("/cases/new/").status_code == 200

    response = client.post("/cases/new/", intake_form(tree["A"]))

    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert re.fullmatch(r"/cases/\d+/", response["Location"])
    assert (case.status, case.reported_on, case.reported_by) == (
        Status.REPORTED,
        date(2026, 11, 20),
        personas["staff_a"],
    )
    assert case.forms == ["physical", "verbal"]
    assert sorted(case.parties.values_list("role", "name")) == sorted(
        [("victim", VICTIM), ("perpetrator", PERPETRATOR), ("witness", WITNESS)]
    )
    page = client.get(response["Location"])
    assert case.number in page.content.decode()


def test_a_refused_intake_re_renders_with_400_and_keeps_what_was_typed(client_for, tree):
    response = client_for("staff_a").post("/cases/new/", intake_form(tree["A"], on="2026-11-21"))

    assert response.status_code == 400
    content = response.content.decode()
    assert "日期不能晚于今天" in content
    assert "体育课后推搡受害学生并辱骂。" in content
    assert Case.objects.count() == 0


def test_an_intake_without_a_victim_is_refused(client_for, tree):
    data = intake_form(tree["A"], **{"party-0-role": "witness"})

    response = client_for("staff_a").post("/cases/new/", data)

    assert response.status_code == 400
    assert "请至少登记一名受欺凌学生" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["officer_x", "city_a", "province"])
def test_an_office_has_no_intake_form(client_for, persona):
    assert client_for(persona).get("/cases/new/").status_code == 403


# ---------------------------------------------------------------------------
# Steps on the case page


def test_a_step_from_the_case_page_moves_the_case_on(client_for, open_case):
    case = open_case()

    response = client_for("chair_a").post(step(case, "start"), {"start-on": "2026-11-05"})

    assert response.status_code == 302
    assert response["Location"] == detail(case)
    case.refresh_from_db()
    assert (case.status, case.investigation_due) == (Status.INVESTIGATING, date(2026, 11, 16))


def test_a_refused_step_re_renders_with_400_the_chinese_reason_and_the_typed_reasoning(client_for, open_case, walk):
    """GIVEN an investigation started on 11-05
    WHEN the chair submits a determination dated 11-04 with a long reasoning
    THEN the case page comes back with 400, says why in Chinese, still holds the
    reasoning so nothing typed is lost, and the case is unchanged."""
    case = walk(open_case(), Status.INVESTIGATING)
    before = snapshot(case)

    response = client_for("chair_a").post(
        step(case, "determine"),
        {"det-is_bullying": "true", "det-severity": "minor", "det-reasoning": REASONING, "det-on": "2026-11-04"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "日期不能早于启动调查日期（2026-11-05）" in content
    assert REASONING in content
    assert snapshot(case) == before


def test_a_future_step_date_is_refused_on_the_page(client_for, open_case):
    case = open_case()
    before = snapshot(case)

    response = client_for("chair_a").post(step(case, "start"), {"start-on": "2026-11-21"})

    assert response.status_code == 400
    assert "日期不能晚于今天" in response.content.decode()
    assert snapshot(case) == before


def test_a_malformed_step_date_is_refused_on_the_page(client_for, open_case):
    case = open_case()
    before = snapshot(case)

    response = client_for("chair_a").post(step(case, "start"), {"start-on": "2026-13-01"})

    assert response.status_code == 400
    assert "有效的日期" in response.content.decode()
    assert snapshot(case) == before


def test_a_determination_that_lost_a_race_still_shows_the_reason_and_the_reasoning(client_for, open_case, walk):
    """GIVEN two members with the same investigation open, the first has already determined it
    WHEN the second submits their determination
    THEN the page says the case is no longer under investigation and keeps their text."""
    case = walk(open_case(), Status.DETERMINED)
    before = snapshot(case)

    response = client_for("member_a").post(
        step(case, "determine"),
        {"det-is_bullying": "true", "det-severity": "minor", "det-reasoning": REASONING},
    )

    assert response.status_code == 400
    assert snapshot(case) == before
    content = response.content.decode()
    assert "当前状态为“已认定”" in content
    assert REASONING in content


@pytest.mark.parametrize("persona", ["staff_a", "officer_x", "city_a"])
def test_a_role_that_may_only_read_cannot_post_a_step(client_for, open_case, persona):
    case = open_case()
    before = snapshot(case)

    response = client_for(persona).post(step(case, "start"), {"start-on": "2026-11-05"})

    assert response.status_code == 403
    assert snapshot(case) == before


@pytest.mark.parametrize("persona", ["officer_x", "city_a"])
def test_an_office_sees_no_action_forms(client_for, open_case, persona):
    case = open_case()

    content = client_for(persona).get(detail(case)).content.decode()

    assert step(case, "start") not in content


# ---------------------------------------------------------------------------
# Out of scope: 404


@pytest.mark.parametrize("persona", ["chair_y", "officer_y", "city_b", "sysadmin", "auditor", "chair_a2"])
def test_a_case_page_outside_the_callers_scope_is_404(client_for, open_case, personas, persona):
    case = open_case()
    before = snapshot(case)
    client = client_for(persona)

    assert client.get(detail(case)).status_code == 404
    assert client.get(reverse("cases:pdf", args=[case.pk])).status_code == 404
    assert client.post(step(case, "start"), {"start-on": "2026-11-05"}).status_code == 404

    assert snapshot(case) == before
    assert not AuditEvent.objects.filter(action="case.read").exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=personas[persona]).count() == 3


@pytest.mark.parametrize("persona", ["chair_y", "city_b"])
def test_the_list_page_hides_cases_outside_the_callers_scope(client_for, open_case, persona):
    case = open_case()

    content = client_for(persona).get("/cases/").content.decode()

    assert case.number not in content


# ---------------------------------------------------------------------------
# Privacy on the case page


@pytest.mark.parametrize("persona", ["city_a", "province"])
def test_the_case_page_masks_names_outside_the_school_and_its_county(client_for, open_case, walk, persona):
    case = walk(open_case(), Status.HANDLING)

    response = client_for(persona).get(detail(case))

    assert response.status_code == 200
    content = response.content.decode()
    assert leaked_names(content) == []
    assert VICTIM_NO not in content
    assert "龚**" in content


@pytest.mark.parametrize("persona", ["chair_a", "staff_a", "officer_x"])
def test_the_case_page_shows_names_to_the_school_and_its_county(client_for, open_case, persona):
    case = open_case()

    content = client_for(persona).get(detail(case)).content.decode()

    assert VICTIM in content
    assert PERPETRATOR in content
    assert VICTIM_NO in content


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "city_a"])
def test_viewing_the_case_page_writes_exactly_one_audit_row(client_for, open_case, personas, persona):
    case = open_case()
    client = client_for(persona)
    before = AuditEvent.objects.count()

    response = client.get(detail(case))

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    read = AuditEvent.objects.get(action="case.read")
    assert (read.actor, read.object_id, read.detail) == (personas[persona], str(case.pk), {"via": "web"})


def test_a_refused_step_is_not_counted_as_a_read(client_for, open_case):
    case = open_case()

    client_for("chair_a").post(step(case, "start"), {"start-on": "2026-11-21"})

    assert not AuditEvent.objects.filter(action="case.read").exists()


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "city_a", "province"])
def test_the_list_page_carries_no_names(client_for, open_case, persona):
    open_case()

    content = client_for(persona).get("/cases/").content.decode()

    assert leaked_names(content) == []


def test_the_case_page_url_carries_only_the_numeric_id(open_case):
    case = open_case()

    assert re.fullmatch(r"/cases/\d+/", detail(case))
    assert case.number not in detail(case)
    assert all(name not in detail(case) for name in CANARIES)


# ---------------------------------------------------------------------------
# The list and the workbench


def _investigating(open_case, personas, started: date) -> Case:
    case = open_case(on=REPORTED_ON)
    services.case_start_investigation(actor=personas["chair_a"], case=case, on=started)
    case.refresh_from_db()
    return case


def _row(content: str, case: Case) -> str:
    """The list table row of a case."""
    start = content.index(f">{case.number}<")
    return content[start : content.index("</tr>", start)]


def test_the_list_page_shows_how_many_days_are_left(client_for, open_case, personas):
    """GIVEN investigations started on different days, "today" being Friday 11-20
    THEN each list row carries the right days-left badge."""
    overdue = _investigating(open_case, personas, date(2026, 11, 5))  # due 11-16
    due_today = _investigating(open_case, personas, date(2026, 11, 10))  # due 11-20
    three_left = _investigating(open_case, personas, date(2026, 11, 12))  # 11-22 Sunday → 11-23
    ten_left = _investigating(open_case, personas, date(2026, 11, 20))  # due 11-30
    reported = open_case()

    content = client_for("chair_a").get("/cases/").content.decode()

    assert "已超期 4 天" in _row(content, overdue)
    assert "今日到期" in _row(content, due_today)
    assert "剩 3 天" in _row(content, three_left)
    assert "剩 10 天" in _row(content, ten_left)
    assert "待启动调查" in _row(content, reported)


def test_the_list_page_filters_overdue_cases(client_for, open_case, personas):
    overdue = _investigating(open_case, personas, date(2026, 11, 5))
    on_time = _investigating(open_case, personas, date(2026, 11, 20))

    content = client_for("officer_x").get("/cases/", {"overdue": "true"}).content.decode()

    assert overdue.number in content
    assert on_time.number not in content


def test_the_workbench_shows_the_schools_cases_and_how_many_are_overdue(client_for, open_case, personas, walk):
    """GIVEN school A has two overdue investigations, one on time, one just reported,
    and county Y has an overdue one
    WHEN the chair of school A opens the workbench
    THEN the 本校欺凌事件 panel counts two overdue and links to them."""
    first = _investigating(open_case, personas, date(2026, 11, 5))
    second = _investigating(open_case, personas, date(2026, 11, 6))
    _investigating(open_case, personas, date(2026, 11, 20))
    open_case()
    walk(open_case(school="YS"), Status.INVESTIGATING)

    response = client_for("chair_a").get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "本校欺凌事件" in content
    assert response.context["counts"]["overdue"] == 2
    assert response.context["counts"]["investigating"] == 3
    assert response.context["counts"]["reported"] == 1
    assert "调查已超期" in content
    assert "?overdue=true" in content
    assert first.number in content and second.number in content


def test_the_workbench_offers_no_overdue_link_when_nothing_is_overdue(client_for, open_case, personas):
    _investigating(open_case, personas, date(2026, 11, 20))

    response = client_for("chair_a").get("/")

    assert response.context["counts"]["overdue"] == 0
    assert "?overdue=true" not in response.content.decode()


def test_the_county_workbench_counts_overdue_cases_across_its_schools(client_for, open_case, walk):
    walk(open_case(), Status.INVESTIGATING)
    walk(open_case(school="A2"), Status.INVESTIGATING)
    walk(open_case(school="YS"), Status.INVESTIGATING)

    response = client_for("officer_x").get("/")

    assert "辖区学校欺凌事件" in response.content.decode()
    assert response.context["counts"]["overdue"] == 2


def _page_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/cases/", "/"])
def test_the_list_page_and_the_workbench_need_the_same_queries_for_5_and_25_cases(client_for, open_case, walk, path):
    for _ in range(5):
        walk(open_case(), Status.INVESTIGATING)
    few = _page_queries(client_for("chair_a"), path)

    for n in range(20):
        walk(open_case(school="A" if n % 2 else "A2"), [Status.REPORTED, Status.INVESTIGATING][n % 2])
    many = _page_queries(client_for("chair_a"), path)

    assert many == few


def test_a_chairs_case_page_lists_committee_members_for_the_determination(client_for, open_case, walk, personas):
    case = walk(open_case(), Status.INVESTIGATING)

    content = client_for("chair_a").get(detail(case)).content.decode()

    assert personas["member_a"].display_name in content
    assert personas["chair_a2"].display_name not in content


def test_a_group_of_checkboxes_is_named_by_a_fieldset_legend(client_for):
    """Screen readers announce a group's name with each option: 欺凌形式 is a legend, and no
    label points at nothing."""
    html = client_for("chair_a").get("/cases/new/").content.decode()

    assert re.search(
        r'<fieldset class="field-group"><legend>欺凌形式 <span aria-hidden="true"[^>]*>\*</span></legend>', html
    )
    assert 'for=""' not in html
