"""The appeal desk pages: the queue, the appeal page with its forms, lodging from a case
page, and the appeals section of the case page."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.appeals import services as appeal_services
from cases.appeals.models import Appeal, AppealStatus

from .conftest import APPELLANT, FILED_ON, VICTIM, snapshot

LIST = "/cases/appeals/"


def page(appeal, suffix=""):
    return f"/cases/appeals/{appeal.pk}/{suffix}"


def test_the_queue_puts_overdue_reviews_first_with_days_left(reviewing, lodge, make_case, client_for):
    waiting = lodge(make_case())
    overdue = reviewing()
    response = client_for("officer_x").get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(overdue.number) < html.index(waiting.number)
    assert "已超期 11 天" in html
    assert "待作出受理决定" in html
    assert APPELLANT in html


def test_the_queue_of_another_county_is_empty(reviewing, client_for):
    appeal = reviewing()
    response = client_for("officer_y").get(LIST)
    assert response.status_code == 200
    assert appeal.number not in response.content.decode()
    assert client_for("officer_y").get(page(appeal)).status_code == 404


def test_the_appeal_page_shows_the_case_history_beside_the_forms(lodge, make_case, client_for):
    appeal = lodge(make_case())
    html = client_for("officer_x").get(page(appeal)).content.decode()
    assert "受理并启动复查" in html and "维持学校处理结果" in html and "涉法涉诉，不予受理" in html
    assert "处置经过" in html and "学校的认定" in html
    assert VICTIM in html


def test_accepting_through_the_form_starts_the_review(lodge, make_case, client_for):
    appeal = lodge(make_case())
    response = client_for("officer_x").post(
        page(appeal, "step/accept_review/"), {"acc-reasons": "确需复查。", "acc-on": "2026-09-24"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REVIEWING
    assert str(appeal.review_due) == "2026-10-09"


def test_a_refused_step_re_renders_the_page_with_the_reason_and_changes_nothing(lodge, make_case, client_for):
    appeal = lodge(make_case())
    before = snapshot(appeal)
    response = client_for("officer_x").post(
        page(appeal, "step/uphold/"), {"uph-reasons": "程序妥当。", "uph-on": "2026-10-21"}
    )
    assert response.status_code == 400
    assert "日期不能晚于今天" in response.content.decode()
    assert snapshot(appeal) == before


def test_the_school_and_the_panel_read_the_page_but_take_no_step(reviewing, client_for):
    appeal = reviewing()
    for persona in ["chair_a", "expert_x"]:
        client = client_for(persona)
        assert client.get(page(appeal)).status_code == 200
        response = client.post(page(appeal, "step/decide/"), {"dec-is_bullying": "false", "dec-opinion": "x"})
        assert response.status_code == 403
    html = client_for("expert_x").get(page(appeal)).content.decode()
    assert "您是复查调查小组成员" in html
    assert "保存复查决定" not in html


def test_the_panel_form_refuses_a_member_who_took_part(reviewing, client_for, personas):
    appeal = reviewing(panel=False)
    data = {
        "panel-TOTAL_FORMS": "3",
        "panel-INITIAL_FORMS": "0",
        "panel-MIN_NUM_FORMS": "0",
        "panel-MAX_NUM_FORMS": "15",
        "panel-0-user": str(personas["chair_a2"].pk),
        "panel-0-kind": "parent_rep",
        "panel-1-user": str(personas["expert_x"].pk),
        "panel-1-kind": "expert",
        "panel-2-user": str(personas["member_a"].pk),
        "panel-2-kind": "school_rep",
    }
    response = client_for("officer_x").post(page(appeal, "step/panel/"), data)
    assert response.status_code == 400
    assert not appeal.panel.exists()
    data["panel-2-user"] = str(personas["staff_a"].pk)
    response = client_for("officer_x").post(page(appeal, "step/panel/"), {**data, "pd-on": "2026-09-25"})
    assert response.status_code == 302
    assert appeal.panel.count() == 3


def test_the_panel_loses_the_page_and_the_case_after_filing(decided, client_for, personas):
    appeal = decided()
    expert = client_for("expert_x")
    assert expert.get(page(appeal)).status_code == 200
    assert expert.get(f"/cases/{appeal.case_id}/").status_code == 200
    appeal_services.appeal_file(actor=personas["officer_x"], appeal=appeal, on=FILED_ON)
    assert expert.get(page(appeal)).status_code == 404
    assert expert.get(f"/cases/{appeal.case_id}/").status_code == 404


def test_the_city_reads_the_filed_appeal_masked(decided, client_for, personas):
    appeal = decided()
    assert client_for("city_a").get(page(appeal)).status_code == 404
    appeal_services.appeal_file(actor=personas["officer_x"], appeal=appeal, on=FILED_ON)
    response = client_for("city_a").get(page(appeal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "龚**" in html
    assert APPELLANT not in html and VICTIM not in html
    assert appeal.number in client_for("city_a").get(LIST).content.decode()


def test_a_school_committee_lodges_from_the_case_page_with_material(make_case, client_for):
    case = make_case()
    client = client_for("chair_a")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "申诉与复查" in html and f"/cases/{case.pk}/appeal/" in html
    assert client.get(f"/cases/{case.pk}/appeal/").status_code == 200
    scan = SimpleUploadedFile("申诉书.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    response = client.post(
        f"/cases/{case.pk}/appeal/",
        {
            "appellant_name": APPELLANT,
            "appellant_relation": "受欺凌学生父亲",
            "grounds": "不服认定。",
            "received_on": "2026-09-22",
            "attachments": [scan],
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.forwarded_by_id == case.school_id
    assert appeal.attachments.count() == 1
    attachment = appeal.attachments.get()
    download = client_for("officer_x").get(page(appeal, f"attachments/{attachment.pk}/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert appeal.number in html
    assert f"/cases/{case.pk}/appeal/" not in html  # one open appeal at a time


def test_who_may_open_the_lodge_form(make_case, client_for):
    case = make_case()
    assert client_for("officer_x").get(f"/cases/{case.pk}/appeal/").status_code == 200
    assert client_for("staff_a").get(f"/cases/{case.pk}/appeal/").status_code == 403
    assert client_for("officer_y").get(f"/cases/{case.pk}/appeal/").status_code == 404


def test_the_case_page_shows_an_overturning_review(decided, make_case, client_for):
    appeal = decided(make_case(to="closed"), severity="serious")
    html = client_for("chair_a").get(f"/cases/{appeal.case_id}/").content.decode()
    assert "复查改变认定，学校须重新处理" in html
    assert "改变学校认定，退回学校重新处理" in html
    assert "复查改变认定，退回学校重新处理" in html  # the timeline entry


def test_the_decision_pdf_downloads_from_the_page(decided, client_for):
    appeal = decided()
    response = client_for("officer_x").get(page(appeal, "decision.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
