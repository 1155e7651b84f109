"""The case API (API.md "Conventions", "Cases"): shapes, refusals, scope and privacy."""

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from bullying.audit.models import AuditEvent
from cases.models import Case, MeasureKind, PartyRole, Status, TimelineEntry
from tests.cases.conftest import (
    DETERMINED_ON,
    DUE_ON,
    FOLLOW_UP_ON,
    HANDLED_ON,
    OBSERVED_ON,
    PERPETRATOR,
    REPORTED_ON,
    STARTED_ON,
    TODAY,
    VICTIM,
    VICTIM_NO,
    WITNESS,
    default_parties,
    leaked_names,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("frozen_today")

CASES = "/api/v1/cases/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def url(case, step: str = "") -> str:
    return f"{CASES}{case.pk}/{step + '/' if step else ''}"


def messages_of(body: dict) -> list[str]:
    """Every message in a 400 body: ``detail`` and field errors alike."""
    found = []
    for value in body.values():
        if isinstance(value, list):
            found += [str(v) for v in value if isinstance(v, str)]
            found += [m for v in value if isinstance(v, dict) for m in messages_of(v)]
        elif isinstance(value, dict):
            found += messages_of(value)
        else:
            found.append(str(value))
    return found


def assert_refused_in_chinese(response, field: str | None = None) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    if field:
        assert field in body, body
    messages = messages_of(body)
    assert messages, body
    assert all(CJK.search(m) for m in messages), messages
    return messages


def intake(school, **overrides) -> dict:
    data = {
        "school": school.pk,
        "occurred_at": "2026-11-19T10:20:00+08:00",
        "location": "教学楼三楼走廊",
        "source": "parent",
        "forms": ["verbal", "exclusion"],
        "summary": "课间多名同学围住受害学生起侮辱性绰号。",
        "parties": [
            {"role": "victim", "name": VICTIM, "student_no": VICTIM_NO, "grade": "五年级", "class_name": "2班"},
            {"role": "perpetrator", "name": PERPETRATOR, "grade": "五年级", "class_name": "3班"},
            {"role": "witness", "name": WITNESS},
        ],
        "on": "2026-11-19",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_a2(personas):
    """A school staff member of school A2 (same county as A)."""
    return personas["staff_a2"]


# ---------------------------------------------------------------------------
# Intake


def test_a_school_role_opens_a_case_and_gets_its_number(api_for, tree):
    response = api_for("staff_a").post(CASES, intake(tree["A"]), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "reported"
    assert body["number"] == "2133010601-2026-0001"
    case = Case.objects.get(pk=body["id"])
    assert (case.reported_on, case.school) == (date(2026, 11, 19), tree["A"])
    assert sorted(case.parties.values_list("role", flat=True)) == ["perpetrator", "victim", "witness"]


def test_the_report_date_defaults_to_today(api_for, tree):
    data = intake(tree["A"])
    del data["on"]

    response = api_for("chair_a").post(CASES, data, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["reported_on"] == f"{TODAY:%Y-%m-%d}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"on": "2026-11-21"}, "on"),
        ({"on": "2026-13-01"}, "on"),
        ({"on": "2026-11-18"}, "on"),  # before the incident happened
        ({"occurred_at": "2026-11-21T09:00:00+08:00"}, "occurred_at"),
        ({"forms": []}, "forms"),
        ({"forms": ["teasing"]}, "forms"),
        ({"source": "rumour"}, "source"),
        ({"parties": []}, "parties"),
        ({"parties": [{"role": "witness", "name": "俞小溪"}]}, "parties"),
        ({"parties": [{"role": "victim"}]}, "parties"),
        ({"location": ""}, "location"),
        ({"summary": None}, "summary"),
    ],
    ids=[
        "future-on",
        "bad-date",
        "on-before-incident",
        "future-incident",
        "no-forms",
        "unknown-form",
        "unknown-source",
        "no-parties",
        "no-victim",
        "party-without-name",
        "blank-location",
        "missing-summary",
    ],
)
def test_a_bad_intake_is_refused_in_chinese_and_creates_nothing(api_for, tree, overrides, field):
    data = intake(tree["A"], **overrides)
    if overrides.get("summary", "") is None:
        del data["summary"]

    response = api_for("chair_a").post(CASES, data, format="json")

    assert_refused_in_chinese(response, field)
    assert Case.objects.count() == 0
    assert TimelineEntry.objects.count() == 0


def test_a_school_role_cannot_open_a_case_for_another_school(api_for, tree):
    response = api_for("chair_a").post(CASES, intake(tree["A2"]), format="json")

    assert_refused_in_chinese(response, "school")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["officer_x", "city_a", "province"])
def test_an_office_cannot_open_a_case(api_for, tree, persona):
    response = api_for(persona).post(CASES, intake(tree["A"]), format="json")

    assert response.status_code == 403, response.content
    assert Case.objects.count() == 0


# ---------------------------------------------------------------------------
# Every step through the API


def test_a_case_walks_through_every_step_endpoint(api_for, tree, personas):
    """GIVEN a report opened through the API by a teacher of school A
    WHEN the committee drives every step endpoint, with past ``on`` dates
    THEN each returns the new state, the timeline lists every step, and the case file
    downloads as a PDF."""
    chair, member = api_for("chair_a"), api_for("member_a")
    created = api_for("staff_a").post(
        CASES, intake(tree["A"], on=f"{REPORTED_ON:%Y-%m-%d}", occurred_at="2026-11-01T10:00:00+08:00"), format="json"
    )
    assert created.status_code == 201, created.content
    case = Case.objects.get(pk=created.json()["id"])
    victim = case.parties.get(role=PartyRole.VICTIM)
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)

    started = chair.post(url(case, "start-investigation"), {"on": f"{STARTED_ON:%Y-%m-%d}"}, format="json")
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "investigating"
    assert started.json()["investigation_started_on"] == "2026-11-05"
    assert started.json()["investigation_due"] == f"{DUE_ON:%Y-%m-%d}"
    assert started.json()["investigation_due_explanation"]

    determined = member.post(
        url(case, "determine"),
        {
            "is_bullying": True,
            "severity": "minor",
            "reasoning": "故意起侮辱性绰号并号召孤立，构成欺凌。",
            "on": "2026-11-10",
        },
        format="json",
    )
    assert determined.status_code == 200, determined.content
    assert determined.json()["status"] == "determined"
    assert determined.json()["determination"] == {
        "is_bullying": True,
        "severity": "minor",
        "decided_on": f"{DETERMINED_ON:%Y-%m-%d}",
        "meeting_on": "2026-11-10",
        "reasoning": "故意起侮辱性绰号并号召孤立，构成欺凌。",
        "signed_off": False,
    }

    signed = chair.post(url(case, "sign-off"), format="json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["determination"]["signed_off"] is True

    plan = chair.post(
        url(case, "measures"),
        {
            "kind": "education_plan",
            "party": perpetrator.pk,
            "responsible": "德育主任",
            "planned_hours": 8,
            "on": f"{HANDLED_ON:%Y-%m-%d}",
        },
        format="json",
    )
    assert plan.status_code == 201, plan.content
    assert (plan.json()["kind"], plan.json()["planned_hours"], plan.json()["party"]) == (
        "education_plan",
        8,
        perpetrator.pk,
    )
    counselling = chair.post(
        url(case, "measures"),
        {"kind": "victim_counselling", "party": victim.pk, "responsible": "心理教师", "on": "2026-11-11"},
        format="json",
    )
    assert counselling.status_code == 201, counselling.content
    listed = chair.get(url(case, "measures"))
    assert [m["kind"] for m in listed.json()] == ["education_plan", "victim_counselling"]

    progress_url = url(case, f"measures/{plan.json()['id']}/progress")
    hours = chair.post(progress_url, {"completed_hours": 8}, format="json")
    assert hours.status_code == 200, hours.content
    assert hours.json()["completed_hours"] == 8
    done = chair.post(progress_url, {"completed_on": "2026-11-12"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["completed_on"] == "2026-11-12"

    notice = chair.post(
        url(case, "parent-notices"),
        {"direction": "to_parents", "method": "in_person", "guardian": "母亲", "party": victim.pk, "on": "2026-11-10"},
        format="json",
    )
    assert notice.status_code == 201, notice.content
    assert notice.json()["guardian"] == "母亲"

    follow = chair.post(url(case, "start-follow-up"), {"on": f"{FOLLOW_UP_ON:%Y-%m-%d}"}, format="json")
    assert follow.status_code == 200, follow.content
    assert follow.json()["status"] == "follow_up"

    observed = chair.post(
        url(case, "follow-ups"),
        {"note": "双方关系缓和，情绪稳定。", "party": victim.pk, "on": f"{OBSERVED_ON:%Y-%m-%d}"},
        format="json",
    )
    assert observed.status_code == 201, observed.content

    closed = chair.post(url(case, "close"), {"summary": "结案归档。", "on": "2026-11-18"}, format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["closed_on"]) == ("closed", "2026-11-18")

    timeline = chair.get(url(case, "timeline"))
    assert timeline.status_code == 200
    assert [e["kind"] for e in timeline.json()] == [
        "reported",
        "investigation_started",
        "determined",
        "signed_off",
        "measure_added",
        "measure_added",
        "measure_progress",
        "measure_progress",
        "parents_notified",
        "follow_up_started",
        "follow_up",
        "closed",
    ]
    assert timeline.json()[0]["actor"] == "staff_a老师"

    pdf = chair.get(url(case, "pdf"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert re.fullmatch(r'attachment; filename="case-\d+\.pdf"', pdf["Content-Disposition"])


def test_a_not_bullying_case_closes_through_the_api(api_for, open_case, walk):
    case = walk(open_case(), Status.DETERMINED, is_bullying=False)

    response = api_for("chair_a").post(url(case, "close"), {"on": f"{DETERMINED_ON:%Y-%m-%d}"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"


# ---------------------------------------------------------------------------
# Refusals: 400 in Chinese, and nothing changed


@pytest.mark.parametrize(
    ("status", "step", "data", "field"),
    [
        (Status.REPORTED, "start-investigation", {"on": "2026-11-21"}, "on"),
        (Status.REPORTED, "start-investigation", {"on": "2026-13-01"}, "on"),
        (Status.REPORTED, "start-investigation", {"on": "20261105"}, "on"),
        (Status.REPORTED, "start-investigation", {"on": "2026-11-01"}, "on"),
        (Status.REPORTED, "determine", {"is_bullying": True, "severity": "minor", "reasoning": "x"}, None),
        (Status.INVESTIGATING, "start-investigation", {}, None),
        (
            Status.INVESTIGATING,
            "determine",
            {"is_bullying": True, "severity": "minor", "reasoning": "x", "on": "2026-11-04"},
            "on",
        ),
        (Status.INVESTIGATING, "determine", {"is_bullying": True, "severity": "minor"}, "reasoning"),
        (Status.INVESTIGATING, "determine", {"severity": "minor", "reasoning": "x"}, "is_bullying"),
        (Status.INVESTIGATING, "determine", {"is_bullying": True, "severity": "awful", "reasoning": "x"}, "severity"),
        (Status.INVESTIGATING, "determine", {"is_bullying": True, "reasoning": "x"}, "severity"),
        (Status.INVESTIGATING, "close", {}, None),
        (Status.DETERMINED, "measures", {"kind": "criticism", "responsible": "班主任"}, "party"),
        (
            Status.DETERMINED,
            "measures",
            {"kind": "education_plan", "responsible": "班主任", "party": "PERP"},
            "planned_hours",
        ),
        (Status.DETERMINED, "measures", {"kind": "police_reprimand", "responsible": "校长", "party": "PERP"}, "kind"),
        (Status.DETERMINED, "measures", {"kind": "criticism", "party": "PERP"}, "responsible"),
        (Status.DETERMINED, "measures", {"kind": "criticism", "responsible": "x", "party": 999999}, "party"),
        (
            Status.DETERMINED,
            "measures",
            {"kind": "criticism", "responsible": "x", "party": "PERP", "on": "2026-11-09"},
            "on",
        ),
        (Status.DETERMINED, "close", {}, None),
        (Status.HANDLING, "start-follow-up", {"on": "2026-11-21"}, "on"),
        (Status.HANDLING, "start-follow-up", {"on": "2026-11-10"}, "on"),
        (
            Status.HANDLING,
            "parent-notices",
            {"direction": "to_parents", "method": "pigeon", "guardian": "母亲"},
            "method",
        ),
        (Status.HANDLING, "parent-notices", {"direction": "to_parents", "method": "phone"}, "guardian"),
        (Status.FOLLOW_UP, "follow-ups", {"on": "2026-11-16"}, "note"),
        (Status.FOLLOW_UP, "close", {"on": "2026-11-12"}, "on"),
        (Status.FOLLOW_UP, "determine", {"is_bullying": False, "reasoning": "x"}, None),
        (Status.CLOSED, "parent-notices", {"direction": "to_parents", "method": "phone", "guardian": "母亲"}, None),
        (Status.CLOSED, "close", {}, None),
    ],
)
def test_a_refused_step_is_400_in_chinese_and_changes_nothing(api_for, open_case, walk, status, step, data, field):
    case = walk(open_case(), status)
    if data.get("party") == "PERP":
        data = {**data, "party": case.parties.get(role=PartyRole.PERPETRATOR).pk}
    before = snapshot(case)

    response = api_for("chair_a").post(url(case, step), data, format="json")

    assert_refused_in_chinese(response, field)
    assert snapshot(case) == before


def test_the_wrong_state_is_explained_in_detail(api_for, open_case):
    case = open_case()

    response = api_for("chair_a").post(url(case, "determine"), {"is_bullying": False, "reasoning": "x"}, format="json")

    assert response.status_code == 400
    assert "已受理" in response.json()["detail"]


def test_a_date_before_the_previous_step_names_that_date(api_for, open_case, walk):
    case = walk(open_case(), Status.INVESTIGATING)

    response = api_for("chair_a").post(
        url(case, "determine"),
        {"is_bullying": False, "reasoning": "x", "on": "2026-11-04"},
        format="json",
    )

    assert response.status_code == 400
    assert "2026-11-05" in response.json()["on"][0]
    assert response.json()["detail"] == response.json()["on"][0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"completed_hours": 17}, "completed_hours"),
        ({"completed_hours": -1}, "completed_hours"),
        ({"completed_on": "2026-11-12"}, "completed_on"),  # hours not done yet
        ({"completed_on": "2026-11-31"}, "completed_on"),
        ({}, None),
    ],
)
def test_refused_progress_on_an_education_plan_changes_nothing(api_for, open_case, walk, data, field):
    case = walk(open_case(), Status.HANDLING)  # the walk gives the perpetrator a 16-hour plan
    plan = case.measures.get(kind=MeasureKind.EDUCATION_PLAN)
    client = api_for("chair_a")
    assert (
        client.post(url(case, f"measures/{plan.pk}/progress"), {"completed_hours": 4}, format="json").status_code == 200
    )
    before = snapshot(case)

    response = client.post(url(case, f"measures/{plan.pk}/progress"), data, format="json")

    assert_refused_in_chinese(response, field)
    assert snapshot(case) == before
    plan.refresh_from_db()
    assert (plan.completed_hours, plan.completed_on) == (4, None)


def test_progress_on_a_measure_of_another_case_is_404(api_for, open_case, walk):
    case = walk(open_case(), Status.HANDLING)
    other = walk(open_case(), Status.HANDLING)
    plan = other.measures.get(kind=MeasureKind.EDUCATION_PLAN)

    response = api_for("chair_a").post(url(case, f"measures/{plan.pk}/progress"), {"completed_hours": 2}, format="json")

    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.completed_hours == 0


# ---------------------------------------------------------------------------
# In scope but not allowed: 403


@pytest.mark.parametrize("persona", ["city_a", "province", "officer_x", "staff_a"])
@pytest.mark.parametrize(
    ("status", "step", "data"),
    [
        (Status.REPORTED, "start-investigation", {}),
        (Status.INVESTIGATING, "determine", {"is_bullying": False, "reasoning": "系打闹嬉戏。"}),
        (Status.DETERMINED, "measures", {"kind": "criticism", "responsible": "班主任"}),
        (Status.HANDLING, "start-follow-up", {}),
        (Status.FOLLOW_UP, "close", {}),
        (Status.HANDLING, "parent-notices", {"direction": "to_parents", "method": "phone", "guardian": "母亲"}),
    ],
)
def test_a_role_that_sees_the_case_but_may_not_act_gets_403(api_for, open_case, walk, persona, status, step, data):
    case = walk(open_case(), status)
    assert api_for(persona).get(url(case)).status_code == 200
    before = snapshot(case)

    response = api_for(persona).post(url(case, step), data, format="json")

    assert response.status_code == 403, response.content
    assert snapshot(case) == before


def test_a_403_says_why_in_chinese(api_for, open_case):
    case = open_case()

    response = api_for("city_a").post(url(case, "start-investigation"), {}, format="json")

    assert response.status_code == 403
    assert CJK.search(response.json()["detail"])


def test_a_403_on_a_step_is_audited_as_a_denied_access(api_for, open_case, personas):
    case = open_case()

    response = api_for("city_a").post(url(case, "start-investigation"), {}, format="json")

    assert response.status_code == 403
    denied = AuditEvent.objects.get(action="access.denied", actor=personas["city_a"])
    assert denied.detail["status"] == 403


def test_only_the_chair_signs_off(api_for, open_case, walk, personas):
    from cases import services

    case = walk(open_case(), Status.INVESTIGATING)
    services.case_determine(actor=personas["member_a"], case=case, is_bullying=False, reasoning="系打闹嬉戏。")

    response = api_for("member_a").post(url(case, "sign-off"), format="json")

    assert response.status_code == 403
    assert case.determinations.get().signed_off_by is None


# ---------------------------------------------------------------------------
# Out of scope: 404, never 403


OUTSIDERS = ["chair_y", "officer_y", "city_b", "sysadmin", "auditor", "inspector_a", "chair_a2", "staff_a2"]


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "step"),
    [
        ("get", ""),
        ("get", "timeline"),
        ("get", "pdf"),
        ("get", "measures"),
        ("post", "start-investigation"),
        ("post", "determine"),
        ("post", "close"),
    ],
)
def test_a_case_outside_the_callers_scope_is_404(api_for, open_case, staff_a2, audit_count, persona, method, step):
    case = open_case()
    before = snapshot(case)
    reads = audit_count(action="case.read")

    response = getattr(api_for(persona), method)(url(case, step), {}, format="json")

    assert response.status_code == 404, response.content
    assert snapshot(case) == before
    assert audit_count(action="case.read") == reads
    assert audit_count(action="access.denied", username=persona) == 1


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_case_outside_the_callers_scope_is_not_listed(api_for, open_case, staff_a2, persona):
    open_case()

    response = api_for(persona).get(CASES)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_404_is_audited_as_a_denied_access(api_for, open_case, personas, audit_count):
    case = open_case()

    api_for("chair_y").get(url(case))

    denied = AuditEvent.objects.get(action="access.denied", actor=personas["chair_y"])
    assert denied.object_id == url(case)
    assert denied.detail == {"method": "GET", "status": 404}


# ---------------------------------------------------------------------------
# The list and its filters


@pytest.fixture
def mixed_cases(open_case, walk):
    """One case per interesting state at A, plus one at A2 and one in county Y."""
    return {
        "reported": open_case(),
        "overdue": walk(open_case(), Status.INVESTIGATING),  # due 11-16, today 11-20
        "serious": walk(open_case(), Status.HANDLING, severity="serious"),
        "closed": walk(open_case(), Status.CLOSED),
        "a2": open_case(school="A2"),
        "y": open_case(school="YS"),
    }


def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_the_list_is_paginated_and_scoped(api_for, mixed_cases):
    response = api_for("officer_x").get(CASES)

    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert _numbers(response) == {c.number for k, c in mixed_cases.items() if k != "y"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "reported"}, {"reported", "a2", "y"}),
        ({"status": "closed"}, {"closed"}),
        ({"severity": "serious"}, {"serious"}),
        ({"overdue": "true"}, {"overdue"}),
        ({"school": "A2"}, {"a2"}),
        ({"school": "A", "status": "reported"}, {"reported"}),
    ],
)
def test_the_list_filters_by_status_school_severity_and_overdue(api_for, tree, mixed_cases, query, expected):
    if "school" in query:
        query = {**query, "school": tree[query["school"]].pk}

    response = api_for("city_a").get(CASES, query)

    assert _numbers(response) == {mixed_cases[k].number for k in expected}


def test_a_list_row_shows_the_clock(api_for, mixed_cases):
    response = api_for("chair_a").get(CASES, {"overdue": "true"})

    (row,) = response.json()["results"]
    assert (row["investigation_due"], row["days_left"], row["is_overdue"]) == ("2026-11-16", -4, True)
    assert row["school"]["code"] == "2133010601"
    assert "parties" not in row


def test_a_bad_filter_value_is_400_not_500(api_for, mixed_cases):
    response = api_for("chair_a").get(CASES, {"status": "lost"})

    assert response.status_code == 400


# ---------------------------------------------------------------------------
# Privacy: masked names, one audit row per read, no names in logs or URLs


@pytest.mark.parametrize("persona", ["city_a", "province"])
def test_names_are_masked_outside_the_school_and_its_county_office(api_for, open_case, persona):
    case = open_case()

    response = api_for(persona).get(url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["names_masked"] is True
    assert sorted(p["name"] for p in body["parties"]) == sorted(["龚**", "韦**", "俞**"])
    assert all(p["student_no"] == "" for p in body["parties"])
    assert leaked_names(response.content.decode()) == []
    assert VICTIM_NO not in response.content.decode()


@pytest.mark.parametrize("persona", ["chair_a", "member_a", "staff_a", "officer_x"])
def test_names_are_shown_to_the_school_and_its_county_office(api_for, open_case, persona):
    case = open_case()

    response = api_for(persona).get(url(case))

    body = response.json()
    assert body["names_masked"] is False
    by_role = {p["role"]: p for p in body["parties"]}
    assert (by_role["victim"]["name"], by_role["victim"]["student_no"]) == (VICTIM, VICTIM_NO)
    assert by_role["perpetrator"]["name"] == PERPETRATOR
    assert by_role["witness"]["name"] == WITNESS


@pytest.mark.parametrize("persona", ["city_a", "province", "officer_x", "chair_a"])
def test_the_list_never_carries_names(api_for, open_case, persona):
    open_case()

    response = api_for(persona).get(CASES)

    assert response.json()["count"] == 1
    assert leaked_names(response.content.decode()) == []


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "city_a"])
def test_reading_a_case_writes_exactly_one_audit_row(api_for, open_case, personas, persona):
    case = open_case()
    client = api_for(persona)
    before = AuditEvent.objects.count()

    response = client.get(url(case))

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    read = AuditEvent.objects.get(action="case.read")
    assert (read.actor, read.object_type, read.object_id) == (personas[persona], "cases.case", str(case.pk))
    assert read.detail == {"via": "api"}


def test_listing_and_the_timeline_are_not_case_reads(api_for, open_case, audit_count):
    case = open_case()
    client = api_for("chair_a")

    client.get(CASES)
    client.get(url(case, "timeline"))

    assert audit_count(action="case.read") == 0


def test_downloading_the_case_file_is_one_audited_read(api_for, open_case, audit_count):
    case = open_case()

    response = api_for("officer_x").get(url(case, "pdf"))

    assert response.status_code == 200
    assert audit_count(action="case.read", detail__via="pdf") == 1
    assert audit_count(action="case.read") == 1


def test_no_childs_name_reaches_the_timeline_or_the_audit_log(api_for, tree, personas):
    """GIVEN a case with named parties driven through every step via the API, every
    step pointing at a named party where it can, read by several offices and probed by
    outsiders
    THEN no timeline text or data, and no audit row, carries any of the children's names;
    AND the case's URLs carry only its numeric id."""
    chair = api_for("chair_a")
    created = chair.post(
        CASES, intake(tree["A"], on="2026-11-02", occurred_at="2026-11-01T10:00:00+08:00"), format="json"
    )
    assert created.status_code == 201, created.content
    case = Case.objects.get(pk=created.json()["id"])
    victim = case.parties.get(role=PartyRole.VICTIM).pk
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR).pk
    steps = [
        ("start-investigation", {"on": "2026-11-05"}),
        ("parent-notices", {"direction": "to_parents", "method": "phone", "guardian": "母亲", "party": victim}),
        ("determine", {"is_bullying": True, "severity": "serious", "reasoning": "构成欺凌。", "on": "2026-11-10"}),
        ("measures", {"kind": "education_plan", "party": perpetrator, "responsible": "德育主任", "planned_hours": 4}),
        ("measures", {"kind": "police_reprimand", "party": perpetrator, "responsible": "校长"}),
        ("measures", {"kind": "victim_counselling", "party": victim, "responsible": "心理教师"}),
        ("start-follow-up", {}),
        ("follow-ups", {"note": "情绪稳定。", "party": victim}),
        ("close", {}),
    ]
    for step, data in steps:
        response = chair.post(url(case, step), data, format="json")
        assert response.status_code in (200, 201), (step, response.content)
    for persona in ("chair_a", "officer_x", "city_a", "province", "chair_y", "city_b"):
        api_for(persona).get(url(case))
        api_for(persona).get(url(case, "pdf"))

    for entry in TimelineEntry.objects.filter(case=case):
        assert leaked_names(entry.text) == [], entry.text
        assert leaked_names(json.dumps(entry.data, ensure_ascii=False)) == [], entry.data
    events = AuditEvent.objects.all()
    assert events.filter(action="case.read").exists()
    assert events.filter(action="access.denied").exists()
    for event in events:
        row = json.dumps(
            [event.detail, event.object_id, event.object_type, event.username, event.roles], ensure_ascii=False
        )
        assert leaked_names(row) == [], row
    assert re.fullmatch(r"/api/v1/cases/\d+/", url(case))
    assert case.number not in url(case)


# ---------------------------------------------------------------------------
# Query counts: the list does not grow with the number of cases

# Memberships of the caller (read once per request), the caller's panel grants, the page
# count, the page itself.
LIST_QUERIES = 4
# Memberships, panel grants, the case with its parties, the chained audit row (savepoint,
# chain lock, last hash, insert, release), then the determination, measures, notices and
# follow-ups.
DETAIL_QUERIES = 13


def _fresh_client(user) -> APIClient:
    """A client whose user is re-read, as a real request would, so no cache carries over."""
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def _count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("persona", ["chair_a", "officer_x", "city_a", "province"])
def test_the_case_list_needs_the_same_queries_for_5_and_25_cases(
    personas, open_case, walk, django_assert_num_queries, persona
):
    user = personas[persona]
    for _ in range(5):
        walk(open_case(), Status.HANDLING, severity="serious")
    client = _fresh_client(user)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(CASES)
    assert response.json()["count"] == 5
    few = _count_queries(_fresh_client(user), CASES)

    for n in range(20):
        walk(open_case(school="A2" if n % 2 else "A"), [Status.REPORTED, Status.INVESTIGATING, Status.CLOSED][n % 3])
    client = _fresh_client(user)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(CASES)
    assert response.json()["count"] == (25 if persona != "chair_a" else 15)
    many = _count_queries(_fresh_client(user), CASES)

    assert many == few == LIST_QUERIES


def test_a_case_detail_needs_the_same_queries_however_many_parties_and_measures(
    personas, open_case, walk, django_assert_max_num_queries
):
    chair = personas["chair_a"]
    small = walk(open_case(), Status.HANDLING)
    extra = [{"role": "perpetrator", "name": f"钱{i}号"} for i in range(6)]
    big = walk(open_case(parties=[*default_parties(), *extra]), Status.HANDLING)  # seven education plans
    assert big.measures.count() == 7

    counts = []
    for case in (small, big):
        client = _fresh_client(chair)
        with django_assert_max_num_queries(DETAIL_QUERIES):
            counts.append(_count_queries(client, url(case)))

    assert counts[0] == counts[1]
