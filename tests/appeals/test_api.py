"""The appeal API (API.md "Appeals (county)"): the flow, scope (404 outside, 403 for a
step the caller may not take), masking for the offices above, refusals (400, Chinese,
nothing changes) and pinned query counts."""

import pytest

from cases.appeals.models import Appeal, AppealStatus

from .conftest import APPELLANT, PERPETRATOR, VICTIM, leaked, snapshot

APPEALS = "/api/v1/appeals/"


def url(appeal, step=""):
    pk = appeal if isinstance(appeal, int) else appeal.pk
    return f"{APPEALS}{pk}/" + (f"{step}/" if step else "")


def case_url(case):
    return f"/api/v1/cases/{case.pk}/"


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def panel_body(personas, **extra):
    extra.setdefault("on", "2026-09-25")
    return {
        "members": [
            {"user": personas["staff_a"].pk, "kind": "school_rep"},
            {"user": personas["chair_a2"].pk, "kind": "parent_rep"},
            {"user": personas["expert_x"].pk, "kind": "expert"},
        ],
        **extra,
    }


@pytest.fixture
def lodged(make_case, api_for):
    """An appeal lodged through the API by officer_x."""

    def go(case=None, **overrides):
        case = case or make_case()
        body = {
            "case": case.pk,
            "appellant_name": APPELLANT,
            "appellant_relation": "受欺凌学生父亲",
            "grounds": f"学校认定{VICTIM}所受欺凌情节轻微，与实际不符。",
            "received_on": "2026-09-22",
            **overrides,
        }
        response = api_for("officer_x").post(APPEALS, body, format="json")
        assert response.status_code == 201, response.content
        return Appeal.objects.get(pk=response.json()["id"])

    return go


def test_the_whole_flow_through_the_api(lodged, api_for, personas):
    officer = api_for("officer_x")
    appeal = lodged()
    data = officer.get(url(appeal)).json()
    assert data["status"] == "received"
    assert data["appellant_name"] == APPELLANT

    response = officer.post(url(appeal, "accept-review"), {"on": "2026-09-24"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "reviewing"
    assert data["review_due"] == "2026-10-09"
    assert data["review_due_explanation"]

    response = officer.post(url(appeal, "panel"), panel_body(personas, on="2026-09-25"), format="json")
    assert response.status_code == 200, response.content
    assert {m["kind"] for m in response.json()["panel"]} == {"school_rep", "parent_rep", "expert"}

    response = officer.post(
        url(appeal, "decide"),
        {"is_bullying": True, "severity": "serious", "opinion": "建议加强教育。", "on": "2026-10-12"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "decided"
    assert data["decision"]["decided_late"] is True
    assert data["decision"]["overturned"] is True
    assert data["decided_late"] is True

    case = officer.get(case_url(appeal.case)).json()
    assert case["status"] == "determined"
    assert case["reopened_by_review"] is True
    assert case["severity"] == "serious"

    response = officer.post(url(appeal, "file"), {"on": "2026-10-15"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "filed"
    assert response.json()["filed_with"]["code"] == "330100"


def test_a_school_committee_forwards_an_appeal_through_the_api(make_case, api_for):
    case = make_case()
    response = api_for("chair_a").post(
        APPEALS,
        {"case": case.pk, "appellant_name": APPELLANT, "appellant_relation": "父亲", "grounds": "不服。"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "received"
    assert data["forwarded_by"]["code"] == "2133010601"
    assert data["received_on"] == "2026-10-20"
    assert api_for("officer_x").get(url(data["id"])).status_code == 200


def test_lodging_on_a_case_outside_scope_is_refused_without_revealing_it(make_case, api_for):
    case = make_case()
    response = api_for("officer_y").post(
        APPEALS,
        {"case": case.pk, "appellant_name": "某", "appellant_relation": "父亲", "grounds": "不服。"},
        format="json",
    )
    assert response.status_code == 400
    assert "管辖范围" in response.json()["detail"]
    assert not Appeal.objects.exists()


def test_the_city_may_read_the_case_but_not_lodge_an_appeal(make_case, api_for):
    case = make_case()
    response = api_for("city_a").post(
        APPEALS,
        {"case": case.pk, "appellant_name": "某", "appellant_relation": "父亲", "grounds": "不服。"},
        format="json",
    )
    assert response.status_code == 403
    assert not Appeal.objects.exists()


# --- Scope ----------------------------------------------------------------------------------


def test_a_county_officer_of_another_county_sees_nothing(lodged, api_for):
    appeal = lodged()
    client = api_for("officer_y")
    assert client.get(APPEALS).json()["count"] == 0
    assert client.get(url(appeal)).status_code == 404
    for step in ["accept-review", "uphold", "refer-legal", "file"]:
        assert client.post(url(appeal, step), {}, format="json").status_code == 404
    assert client.get(url(appeal, "notice")).status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RECEIVED


def test_a_panel_member_sees_only_their_appeal_and_case_until_it_is_filed(lodged, make_case, api_for, personas):
    """GIVEN two appeals of county X, expert_x on the panel of the first
    THEN expert_x lists and reads the first and its case (with names), gets 404 on the
    second appeal and on every other case, and 403 on the county's steps
    WHEN the appeal is filed THEN the first appeal and its case are 404 too."""
    officer = api_for("officer_x")
    mine, other = lodged(), lodged()
    officer.post(url(mine, "accept-review"), {"on": "2026-09-24"}, format="json")
    assert officer.post(url(mine, "panel"), panel_body(personas), format="json").status_code == 200

    expert = api_for("expert_x")
    listing = expert.get(APPEALS).json()
    assert [a["id"] for a in listing["results"]] == [mine.pk]
    detail = expert.get(url(mine)).json()
    assert detail["appellant_name"] == APPELLANT
    assert expert.get(url(other)).status_code == 404
    case = expert.get(case_url(mine.case))
    assert case.status_code == 200
    assert VICTIM in {p["name"] for p in case.json()["parties"]}
    assert expert.get(case_url(other.case)).status_code == 404
    assert expert.get("/api/v1/cases/").json()["count"] == 1
    # read-only: no county step, no school step
    assert expert.post(url(mine, "decide"), {"is_bullying": False, "opinion": "x"}, format="json").status_code == 403
    assert expert.post(case_url(mine.case) + "close/", {}, format="json").status_code == 403

    officer.post(
        url(mine, "decide"),
        {"is_bullying": True, "severity": "minor", "opinion": "维持。", "on": "2026-10-08"},
        format="json",
    )
    assert expert.get(url(mine)).status_code == 200
    assert officer.post(url(mine, "file"), {"on": "2026-10-15"}, format="json").status_code == 200
    expert = api_for("expert_x")
    assert expert.get(url(mine)).status_code == 404
    assert expert.get(case_url(mine.case)).status_code == 404
    assert expert.get(APPEALS).json()["count"] == 0


def test_the_school_reads_its_appeal_but_takes_no_county_step(lodged, api_for):
    appeal = lodged()
    chair = api_for("chair_a")
    assert chair.get(url(appeal)).status_code == 200
    response = chair.post(url(appeal, "accept-review"), {}, format="json")
    assert response.status_code == 403
    assert api_for("chair_a2").get(url(appeal)).status_code == 404


def test_the_city_sees_the_filed_appeal_masked_and_only_its_own(lodged, api_for, personas):
    officer = api_for("officer_x")
    appeal = lodged(appellant_relation=f"{VICTIM}的父亲")
    officer.post(url(appeal, "accept-review"), {"on": "2026-09-24"}, format="json")
    officer.post(url(appeal, "panel"), panel_body(personas), format="json")
    officer.post(
        url(appeal, "decide"),
        {"is_bullying": True, "severity": "minor", "opinion": f"建议对{PERPETRATOR}加强教育。", "on": "2026-10-08"},
        format="json",
    )
    city = api_for("city_a")
    assert city.get(url(appeal)).status_code == 404
    assert city.get(APPEALS).json()["count"] == 0
    officer.post(url(appeal, "file"), {"on": "2026-10-15"}, format="json")

    listing = city.get(APPEALS)
    assert [a["id"] for a in listing.json()["results"]] == [appeal.pk]
    assert not leaked(listing.content.decode())
    assert listing.json()["results"][0]["appellant_relation"] == "龚**的父亲"
    response = city.get(url(appeal))
    assert response.status_code == 200
    data = response.json()
    assert data["names_masked"] is True
    assert data["appellant_name"] == "龚**"
    assert not leaked(response.content.decode())
    assert city.post(url(appeal, "file"), {}, format="json").status_code == 403
    assert api_for("city_b").get(url(appeal)).status_code == 404
    assert api_for("city_b").get(APPEALS).json()["count"] == 0


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("decide", {"is_bullying": True, "severity": "minor", "opinion": "意见"}),
        ("file", {}),
        ("panel", None),
    ],
)
def test_a_step_in_the_wrong_state_is_400_in_chinese_and_changes_nothing(lodged, api_for, personas, step, body):
    appeal = lodged()
    before = snapshot(appeal)
    response = api_for("officer_x").post(url(appeal, step), body or panel_body(personas), format="json")
    assert response.status_code == 400
    assert has_chinese(response.json()["detail"])
    assert snapshot(appeal) == before


@pytest.mark.parametrize(
    ("on", "fragment"),
    [("2026-10-21", "不能晚于今天"), ("2026-09-21", "不能早于"), ("2026-13-01", "")],
)
def test_a_bad_date_is_400_and_changes_nothing(lodged, api_for, on, fragment):
    appeal = lodged()
    before = snapshot(appeal)
    response = api_for("officer_x").post(url(appeal, "accept-review"), {"on": on}, format="json")
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert has_chinese(str(response.json()))
    assert snapshot(appeal) == before


def test_deciding_twice_is_refused(lodged, api_for, personas):
    officer = api_for("officer_x")
    appeal = lodged()
    officer.post(url(appeal, "uphold"), {"on": "2026-09-24"}, format="json")
    before = snapshot(appeal)
    for step in ["uphold", "accept-review", "refer-legal"]:
        response = officer.post(url(appeal, step), {}, format="json")
        assert response.status_code == 400, step
        assert "维持学校处理结果" in response.json()["detail"]
    assert snapshot(appeal) == before


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([("staff_a", "school_rep"), ("expert_x", "expert")], "家长代表"),
        ([("member_a", "school_rep"), ("chair_a2", "parent_rep"), ("expert_x", "expert")], "回避"),
        ([("staff_a", "school_rep"), ("chair_y", "parent_rep"), ("expert_x", "expert")], "范围内"),
        ([("staff_a", "school_rep"), ("chair_a2", "parent_rep"), ("expert_x", "referee")], ""),
    ],
)
def test_a_panel_that_breaks_the_rules_is_400(lodged, api_for, personas, members, fragment):
    officer = api_for("officer_x")
    appeal = lodged()
    officer.post(url(appeal, "accept-review"), {"on": "2026-09-24"}, format="json")
    before = snapshot(appeal)
    body = {"members": [{"user": personas[name].pk, "kind": kind} for name, kind in members]}
    response = officer.post(url(appeal, "panel"), body, format="json")
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert snapshot(appeal) == before
    assert api_for("expert_x").get(url(appeal)).status_code == 404


def test_an_unknown_panel_user_is_400(lodged, api_for, personas):
    officer = api_for("officer_x")
    appeal = lodged()
    officer.post(url(appeal, "accept-review"), {"on": "2026-09-24"}, format="json")
    body = panel_body(personas)
    body["members"].append({"user": 999999, "kind": "expert"})
    response = officer.post(url(appeal, "panel"), body, format="json")
    assert response.status_code == 400
    assert "不存在" in response.json()["detail"]


def test_missing_fields_are_400_field_errors(make_case, api_for):
    response = api_for("officer_x").post(APPEALS, {"case": make_case().pk}, format="json")
    assert response.status_code == 400
    assert {"appellant_name", "appellant_relation", "grounds"} <= set(response.json())


# --- Lists ----------------------------------------------------------------------------------


def test_the_list_is_filtered_and_puts_overdue_reviews_first(lodged, make_case, api_for):
    officer = api_for("officer_x")
    waiting, overdue = lodged(), lodged()
    officer.post(url(overdue, "accept-review"), {"on": "2026-09-24"}, format="json")
    ids = [a["id"] for a in officer.get(APPEALS).json()["results"]]
    assert ids == [overdue.pk, waiting.pk]
    data = officer.get(APPEALS + "?overdue=true").json()
    assert [a["id"] for a in data["results"]] == [overdue.pk]
    assert data["results"][0]["is_overdue"] is True
    assert data["results"][0]["days_left"] == -11
    assert officer.get(APPEALS + "?status=received").json()["count"] == 1


@pytest.mark.parametrize("persona", ["officer_x", "chair_a"])
def test_the_list_needs_the_same_queries_for_2_and_6_appeals(lodged, api_for, persona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        client = api_for(persona)
        client.get(APPEALS)  # warm the content-type caches
        client = api_for(persona)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(APPEALS)
        assert response.status_code == 200
        return len(ctx), response.json()["count"]

    for _ in range(2):
        lodged()
    few, n = count()
    assert n == 2
    for _ in range(4):
        lodged()
    many, n = count()
    assert n == 6
    assert few == many <= 4, (few, many)


def test_the_decision_notice_is_a_pdf(lodged, api_for, personas):
    officer = api_for("officer_x")
    appeal = lodged()
    assert officer.get(url(appeal, "notice")).status_code == 400
    officer.post(url(appeal, "accept-review"), {"on": "2026-09-24"}, format="json")
    officer.post(url(appeal, "panel"), panel_body(personas), format="json")
    officer.post(
        url(appeal, "decide"), {"is_bullying": False, "opinion": "系打闹嬉戏。", "on": "2026-10-08"}, format="json"
    )
    response = officer.get(url(appeal, "notice"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
