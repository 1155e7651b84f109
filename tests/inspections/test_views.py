"""The supervision screens: who reaches what, forms that refuse with 400 and keep the
input, and the public page of published results (no sign-in)."""

from datetime import date

import pytest

from inspections import services
from inspections.models import Inspection, InspectionItem, InspectionRound, Rectification
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/inspections/",
        "/inspections/policy/",
        "/inspections/rectifications/",
        "/inspections/campaigns/",
        "/inspections/rounds/",
        "/inspections/accountability/",
        "/inspections/league/",
    ],
)
@pytest.mark.parametrize("name", ["inspector_a", "city_a", "officer_x", "chair_a", "province"])
def test_the_section_pages_open_for_every_role_that_uses_them(client_for, name, url):
    response = client_for(name).get(url)
    assert response.status_code == 200, (name, url)
    assert "督导检查" in response.content.decode() or "政策清单" in response.content.decode()


def test_an_inspector_creates_a_supervision_in_the_browser_form(client_for, tree):
    client = client_for("inspector_a")
    form = client.get("/inspections/new/").content.decode()
    assert "西湖区实验小学" in form and "海曙" not in form  # only units below the inspector's city
    response = client.post(
        "/inspections/new/",
        {"kind": "supervision", "target": tree["A"].pk, "inspected_on": "2026-11-18", "is_unannounced": "on"},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inspections/{inspection.pk}/"
    assert inspection.is_unannounced and inspection.inspected_on == date(2026, 11, 18)


def test_a_unit_of_another_city_cannot_be_chosen(client_for, tree):
    response = client_for("inspector_a").post("/inspections/new/", {"kind": "supervision", "target": tree["ZS"].pk})
    assert response.status_code == 400
    assert not Inspection.objects.exists()


def test_the_inspection_page_saves_an_item_and_refuses_a_bad_one_with_400(client_for, supervision):
    inspection = supervision()
    client = client_for("inspector_a")
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'id="item-30"' in page and "不得出现学生姓名" in page
    ok = client.post(f"/inspections/{inspection.pk}/items/30/", {"i30-result": "not_met", "i30-finding": "超期。"})
    assert ok.status_code == 302 and ok["Location"].endswith("#item-30")
    bad = client.post(f"/inspections/{inspection.pk}/items/1/", {"i1-result": "great", "i1-finding": "保留的文字"})
    assert bad.status_code == 400
    assert "保留的文字" in bad.content.decode()
    assert InspectionItem.objects.get(inspection=inspection, item__number=30).result == "not_met"
    assert InspectionItem.objects.get(inspection=inspection, item__number=1).result == ""


def test_a_submitted_inspection_page_has_no_forms_and_refuses_posts(client_for, submitted_supervision):
    inspection = submitted_supervision()
    client = client_for("inspector_a")
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert f'action="/inspections/{inspection.pk}/items/' not in page
    assert "提交并锁定" not in page
    response = client.post(f"/inspections/{inspection.pk}/items/1/", {"i1-result": "not_met", "i1-finding": "x"})
    assert response.status_code == 400
    assert "检查已提交，不能再修改。" in response.content.decode()
    assert InspectionItem.objects.get(inspection=inspection, item__number=1).result == "met"


def test_submitting_from_the_page_locks_it(client_for, supervision, personas):
    inspection = supervision()
    answer_all(inspection, personas["inspector_a"])
    response = client_for("inspector_a").post(f"/inspections/{inspection.pk}/submit/")
    assert response.status_code == 302
    assert Inspection.objects.get(pk=inspection.pk).is_locked


def test_another_city_gets_404_on_every_inspection_page(client_for, submitted_supervision):
    inspection = submitted_supervision()
    client = client_for("inspector_b")
    for url in (
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/inspections/{inspection.pk}/items/1/", {"i1-result": "met"}).status_code == 404
    assert client.post(f"/inspections/{inspection.pk}/submit/").status_code == 404


def test_the_rectification_page_lets_the_school_report_and_refuses_self_verification(
    client_for, submitted_supervision, personas
):
    inspection = submitted_supervision()
    inspector = client_for("inspector_a")
    raised = inspector.post(
        f"/inspections/{inspection.pk}/rectify/",
        {"rect-number": 30, "rect-unit": inspection.target_id, "rect-requirement": "严格执行时限。", "rect-days": 10},
    )
    assert raised.status_code == 302
    rect = Rectification.objects.get()
    chair = client_for("chair_a")
    page = chair.get(f"/inspections/rectifications/{rect.pk}/").content.decode()
    assert "报告整改完成" in page and "验收通过" not in page
    assert (
        chair.post(f"/inspections/rectifications/{rect.pk}/step/complete/", {"complete-text": "已整改。"}).status_code
        == 302
    )
    refused = chair.post(f"/inspections/rectifications/{rect.pk}/step/verify/", {"verify-text": "自验"})
    assert refused.status_code == 403
    assert Rectification.objects.get().status == "completed"
    assert (
        inspector.post(f"/inspections/rectifications/{rect.pk}/step/verify/", {"verify-text": "到位"}).status_code
        == 302
    )
    assert Rectification.objects.get().status == "verified"


def test_the_campaign_page_shows_completeness_per_child_unit(client_for, tree, personas):
    campaign = services.campaign_create_standard(actor=personas["province"], organiser=tree["P"], year=2026)
    plan = campaign.tasks.get(kind="implementation_plan")
    services.task_submit(actor=personas["officer_x"], task=plan, unit=tree["X"], note="方案", on=date(2026, 3, 9))
    page = client_for("city_a").get(f"/inspections/campaigns/{campaign.pk}/").content.decode()
    assert "杭州市西湖区" in page and "杭州市拱墅区" in page and "宁波" not in page
    assert "逾期未报" in page and "已报送" in page
    school_page = client_for("chair_a").get(f"/inspections/campaigns/{campaign.pk}/")
    assert "本单位报送" in school_page.content.decode()


# ---------------------------------------------------------------------------
# The public page


def _published_round(personas, tree, submitted_supervision):
    rnd = services.round_create(
        actor=personas["inspector_a"],
        office=tree["CA"],
        title="2026年秋季学期专项督导",
        semester="2026年秋季学期",
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
    )
    inspection = submitted_supervision(round=rnd)
    services.rectification_raise(
        actor=personas["inspector_a"], inspection=inspection, number=30, requirement="整改", days=10
    )
    draft = services.inspection_create(actor=personas["inspector_a"], target=tree["A2"], kind="supervision", round=rnd)
    return rnd, inspection, draft


def test_the_public_page_shows_a_published_round_without_sign_in(client, personas, tree, submitted_supervision):
    rnd, inspection, draft = _published_round(personas, tree, submitted_supervision)
    assert client.get(f"/inspections/public/{rnd.pk}/").status_code == 404  # not yet published
    services.round_publish(actor=personas["inspector_a"], round=rnd)
    response = client.get(f"/inspections/public/{rnd.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert inspection.target.name in html and str(inspection.score) in html
    assert "部分处置时限执行不严。" in html
    assert "第30项" in html and "整改中 1 项" in html
    assert draft.target.name not in html  # a draft in the round is not published
    assert "inspector_a" not in html  # no names of the officials either
    index = client.get("/inspections/public/").content.decode()
    assert "2026年秋季学期专项督导" in index


def test_the_public_pages_are_listed_as_public(client):
    """The deny-by-default rule lets exactly these through (tests/test_access_policy.py)."""
    from inspections import public_views

    assert public_views.public_index.login_required is False
    assert public_views.public_round.login_required is False
    assert client.get("/inspections/policy/").status_code == 302


def test_an_unpublished_or_unknown_round_is_404_in_public(client, personas, tree):
    rnd = InspectionRound.objects.create(
        office=tree["CA"],
        title="t",
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 2),
        created_by=personas["inspector_a"],
    )
    assert client.get(f"/inspections/public/{rnd.pk}/").status_code == 404
    assert client.get("/inspections/public/99999/").status_code == 404
