"""The supervision API: scoping (404 outside the caller's subtree), locking (400), who may
verify (403), bad input (400, Chinese, nothing written)."""

import io

import pytest

from inspections.models import Evidence, Inspection, InspectionItem, Rectification, RectificationStatus
from tests.inspections.conftest import school_items

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def create(client, target, kind="supervision", **extra):
    return client.post("/api/v1/inspections/", {"target": target.pk, "kind": kind, **extra}, format="json")


def fill(client, inspection_id, *, not_met=()):
    items = client.get(f"/api/v1/inspections/{inspection_id}/items/").json()
    for item in items:
        body = {"result": "met"}
        if item["number"] in not_met:
            body = {"result": "not_met", "finding": "未落实。"}
        response = client.put(f"/api/v1/inspections/{inspection_id}/items/{item['number']}/", body, format="json")
        assert response.status_code == 200, response.json()
    return items


# ---------------------------------------------------------------------------
# Scoping


def test_an_inspector_of_city_a_cannot_inspect_a_unit_of_city_b(api_for, tree):
    client = api_for("inspector_a")
    for unit in ("CB", "Z", "ZS"):
        response = create(client, tree[unit])
        assert response.status_code == 404, unit
    assert not Inspection.objects.exists()


def test_an_inspector_of_city_a_cannot_see_inspections_in_city_b(api_for, tree):
    created = create(api_for("inspector_b"), tree["ZS"])
    assert created.status_code == 201
    pk = created.json()["id"]
    client = api_for("inspector_a")
    assert client.get(f"/api/v1/inspections/{pk}/").status_code == 404
    assert client.get(f"/api/v1/inspections/{pk}/items/").status_code == 404
    assert client.put(f"/api/v1/inspections/{pk}/items/1/", {"result": "met"}, format="json").status_code == 404
    assert client.post(f"/api/v1/inspections/{pk}/submit/").status_code == 404
    assert client.get(f"/api/v1/inspections/{pk}/pdf/").status_code == 404
    assert client.get("/api/v1/inspections/").json()["count"] == 0
    assert api_for("inspector_p").get(f"/api/v1/inspections/{pk}/").status_code == 200


@pytest.mark.parametrize(
    ("name", "visible"),
    [
        ("inspector_a", True),
        ("city_a", True),
        ("officer_x", True),
        ("inspector_x", True),
        ("province", True),
        ("chair_a", True),
        ("chair_a2", False),
        ("officer_y", False),
        ("inspector_b", False),
        ("city_b", False),
        ("staff_a", False),
        ("sysadmin", False),
        ("auditor", False),
    ],
)
def test_who_sees_a_submitted_supervision_of_school_a(api_for, submitted_supervision, name, visible):
    inspection = submitted_supervision()
    response = api_for(name).get(f"/api/v1/inspections/{inspection.pk}/")
    assert response.status_code == (200 if visible else 404)


def test_a_role_that_sees_but_may_not_act_gets_403(api_for, supervision):
    inspection = supervision()
    response = api_for("city_a").put(f"/api/v1/inspections/{inspection.pk}/items/1/", {"result": "met"}, format="json")
    assert response.status_code == 403
    assert not InspectionItem.objects.exclude(result="").exists()


# ---------------------------------------------------------------------------
# The inspection workflow


def test_a_school_chair_runs_a_self_check_through_the_api(api_for, tree):
    client = api_for("chair_a")
    response = create(client, tree["A"], kind="self_check")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["kind"] == "self_check"
    assert len(body["items"]) == school_items()
    fill(client, body["id"], not_met=(30,))
    submitted = client.post(f"/api/v1/inspections/{body['id']}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    n = school_items()
    assert submitted.json()["score"] == f"{100 * (n - 1) / n:.1f}"


def test_a_submitted_inspection_cannot_be_edited_through_the_api(api_for, submitted_supervision):
    inspection = submitted_supervision()
    client = api_for("inspector_a")
    for method, url, body in [
        ("put", f"/api/v1/inspections/{inspection.pk}/items/1/", {"result": "not_met", "finding": "改"}),
        ("patch", f"/api/v1/inspections/{inspection.pk}/items/1/", {"finding": "改"}),
        ("patch", f"/api/v1/inspections/{inspection.pk}/", {"summary": "改"}),
        ("post", f"/api/v1/inspections/{inspection.pk}/submit/", {}),
    ]:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, (method, url)
        assert response.json()["detail"] == "检查已提交，不能再修改。"
    upload = client.post(
        f"/api/v1/inspections/{inspection.pk}/items/1/evidence/", {"file": io.BytesIO(PNG)}, format="multipart"
    )
    assert upload.status_code == 400
    assert InspectionItem.objects.get(inspection=inspection, item__number=1).result == "met"
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "supervision"}, "target"),
        ({"target": "abc", "kind": "supervision"}, "target"),
        ({"target": "A", "kind": "audit"}, "kind"),
    ],
)
def test_bad_create_input_is_a_400_in_chinese(api_for, tree, body, field):
    if body.get("target") == "A":
        body = {**body, "target": tree["A"].pk}
    response = api_for("inspector_a").post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    text = str(response.json())
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"result": "great"},
        {"result": "met", "weight": "zero"},
        {"result": "met", "weight": "0"},
        {"finding": "只有发现"},
    ],
)
def test_a_bad_item_result_is_a_400_and_nothing_changes(api_for, supervision, body):
    inspection = supervision()
    response = api_for("inspector_a").put(f"/api/v1/inspections/{inspection.pk}/items/1/", body, format="json")
    assert response.status_code == 400
    text = str(response.json())
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    row = InspectionItem.objects.get(inspection=inspection, item__number=1)
    assert (row.result, row.finding, str(row.weight)) == ("", "", "1.00")


def test_an_item_outside_the_inspection_is_404(api_for, supervision):
    inspection = supervision()
    client = api_for("inspector_a")
    assert (
        client.put(f"/api/v1/inspections/{inspection.pk}/items/2/", {"result": "met"}, format="json").status_code == 404
    )
    assert (
        client.put(f"/api/v1/inspections/{inspection.pk}/items/51/", {"result": "met"}, format="json").status_code
        == 404
    )


def test_an_unannounced_supervision_is_flagged_and_hidden_until_submitted(api_for, tree):
    response = create(api_for("inspector_a"), tree["A"], is_unannounced=True, is_spot_check=True)
    assert response.status_code == 201
    body = response.json()
    assert body["is_unannounced"] and body["is_spot_check"]
    assert api_for("chair_a").get(f"/api/v1/inspections/{body['id']}/").status_code == 404


def test_evidence_is_stored_privately_and_served_as_an_attachment(api_for, supervision, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = supervision()
    client = api_for("inspector_a")
    upload = client.post(
        f"/api/v1/inspections/{inspection.pk}/items/30/evidence/",
        {"file": io.BytesIO(PNG), "description": "档案照片"},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    evidence = Evidence.objects.get()
    assert "inspections/evidence/" in evidence.file.name and evidence.file.name.count(".") == 0
    response = client.get(upload.json()["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/png"
    assert api_for("inspector_b").get(upload.json()["url"]).status_code == 404
    bad = client.post(
        f"/api/v1/inspections/{inspection.pk}/items/30/evidence/",
        {"file": io.BytesIO(b"MZ\x90\x00 not an image")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert Evidence.objects.count() == 1


def test_the_inspection_list_takes_a_fixed_number_of_queries(
    api_for, submitted_supervision, django_assert_max_num_queries
):
    for target in ("A", "A2", "YS", "X"):
        submitted_supervision(target=target)
    client = api_for("inspector_a")
    client.get("/api/v1/inspections/")  # warm the membership cache path once
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/inspections/")
    assert response.json()["count"] == 4


# ---------------------------------------------------------------------------
# Rectification and accountability


def _rectification(api_for, submitted_supervision):
    inspection = submitted_supervision()
    response = api_for("inspector_a").post(
        "/api/v1/rectifications/",
        {"inspection": inspection.pk, "item": 30, "requirement": "严格执行10日时限。", "days": 10},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_rectification_is_raised_with_a_computed_deadline(api_for, submitted_supervision):
    body = _rectification(api_for, submitted_supervision)
    assert body["status"] == "open"
    assert body["due_on"] == "2026-11-30"  # 10 days from Fri 11-20
    assert body["due_explanation"]
    assert body["unit"]["code"] == "2133010601"


def test_a_rectification_cannot_be_verified_by_its_own_unit_through_the_api(api_for, submitted_supervision):
    body = _rectification(api_for, submitted_supervision)
    chair = api_for("chair_a")
    done = chair.post(f"/api/v1/rectifications/{body['id']}/complete/", {"text": "已修订制度。"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    refused = chair.post(f"/api/v1/rectifications/{body['id']}/verify/", {"text": "自验"}, format="json")
    assert refused.status_code == 403
    assert "不能自行复查验收" in refused.json()["detail"]
    assert Rectification.objects.get().status == RectificationStatus.COMPLETED
    assert api_for("inspector_b").post(f"/api/v1/rectifications/{body['id']}/verify/").status_code == 404
    ok = api_for("inspector_a").post(f"/api/v1/rectifications/{body['id']}/verify/", {"text": "到位"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "verified"


def test_rectification_steps_refuse_bad_input(api_for, submitted_supervision):
    body = _rectification(api_for, submitted_supervision)
    chair = api_for("chair_a")
    assert chair.post(f"/api/v1/rectifications/{body['id']}/complete/", {"text": ""}, format="json").status_code == 400
    future = chair.post(
        f"/api/v1/rectifications/{body['id']}/progress/", {"text": "进展", "on": "2026-12-01"}, format="json"
    )
    assert future.status_code == 400 and "晚于今天" in future.json()["detail"]
    assert chair.post(f"/api/v1/rectifications/{body['id']}/verify/").status_code == 403
    assert Rectification.objects.get().notes.count() == 1


def test_a_rectification_for_an_item_that_was_met_is_refused(api_for, submitted_supervision):
    inspection = submitted_supervision()
    response = api_for("inspector_a").post(
        "/api/v1/rectifications/",
        {"inspection": inspection.pk, "item": 1, "requirement": "x", "due_on": "2026-12-31"},
        format="json",
    )
    assert response.status_code == 400 and "无需整改" in response.json()["detail"]
    assert not Rectification.objects.exists()


def test_accountability_through_the_api(api_for, submitted_supervision, tree):
    inspection = submitted_supervision()
    response = api_for("city_a").post(
        "/api/v1/accountability/",
        {"unit": tree["A"].pk, "kind": "listed_supervision", "reason": "问题突出。", "inspection": inspection.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "listed_supervision"
    assert api_for("chair_a").get("/api/v1/accountability/").json()["count"] == 1
    assert api_for("chair_a2").get("/api/v1/accountability/").json()["count"] == 0
    outside = api_for("city_b").post(
        "/api/v1/accountability/", {"unit": tree["A"].pk, "kind": "notice", "reason": "x"}, format="json"
    )
    assert outside.status_code == 404


# ---------------------------------------------------------------------------
# Campaigns and rounds


def test_campaign_reports_and_completeness_through_the_api(api_for, tree, personas):
    from inspections import services

    campaign = services.campaign_create_standard(actor=personas["province"], organiser=tree["P"], year=2026)
    ledger = campaign.tasks.get(kind="screening_ledger")  # due 2026-03-20
    chair = api_for("chair_a")
    response = chair.post(
        f"/api/v1/campaigns/{campaign.pk}/tasks/{ledger.pk}/submit/", {"note": "排查台账", "on": "2026-03-25"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["is_late"] is True
    again = chair.post(f"/api/v1/campaigns/{campaign.pk}/tasks/{ledger.pk}/submit/", {"note": "再报"})
    assert again.status_code == 400
    report = api_for("officer_x").get(f"/api/v1/campaigns/{campaign.pk}/completeness/").json()
    a = next(c for c in report["children"] if c["org_unit"]["code"] == "2133010601")
    assert a["late"] == 1 and a["tasks"][str(ledger.pk)] == "late"
    a2 = next(c for c in report["children"] if c["org_unit"]["code"] == "2133010602")
    assert a2["tasks"][str(ledger.pk)] == "missing"
    assert (
        api_for("inspector_b").get(f"/api/v1/campaigns/{campaign.pk}/completeness/?unit={tree['X'].pk}").status_code
        == 404
    )


def test_a_round_is_published_once_it_has_submitted_results(api_for, tree, submitted_supervision):
    client = api_for("inspector_a")
    created = client.post(
        "/api/v1/inspection-rounds/",
        {"title": "2026年秋季学期专项督导", "starts_on": "2026-11-01", "ends_on": "2026-11-30"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    rnd = created.json()["id"]
    assert client.post(f"/api/v1/inspection-rounds/{rnd}/publish/").status_code == 400
    from inspections.models import InspectionRound

    submitted_supervision(round=InspectionRound.objects.get(pk=rnd))
    published = client.post(f"/api/v1/inspection-rounds/{rnd}/publish/")
    assert published.status_code == 200 and published.json()["is_published"]
    assert client.post(f"/api/v1/inspection-rounds/{rnd}/publish/").status_code == 400


def test_bad_dates_on_a_round_are_refused(api_for):
    response = api_for("inspector_a").post(
        "/api/v1/inspection-rounds/",
        {"title": "批次", "starts_on": "2026-11-30", "ends_on": "2026-11-01"},
        format="json",
    )
    assert response.status_code == 400 and "结束日期" in response.json()["detail"]


def test_the_league_endpoint_ranks_a_tier(api_for, submitted_supervision, personas):
    from inspections import services
    from tests.inspections.conftest import answer_all

    submitted_supervision(target="A")
    other = services.inspection_create(
        actor=personas["inspector_a"], target=personas["chair_a2"].memberships.get().org_unit, kind="supervision"
    )
    answer_all(other, personas["inspector_a"])
    services.inspection_submit(actor=personas["inspector_a"], inspection=other)
    body = api_for("inspector_a").get("/api/v1/inspections/league/", {"level": "school"}).json()
    assert [r["org_unit"]["code"] for r in body["results"]] == ["2133010602", "2133010601"]
    assert [r["rank"] for r in body["results"]] == [1, 2]
    assert api_for("inspector_a").get("/api/v1/inspections/league/").status_code == 400
