"""The school's journeys in a real browser: a teacher reports on a phone, the committee
takes the case from investigation to the archive, and an outsider gets the not-found page."""

import re

import pytest

from cases.models import Case, Status
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_reports_an_incident_on_a_phone(journey, personas):
    """GIVEN a teacher with a phone WHEN she fills in the intake form
    THEN the case is registered and she sees its number."""
    teacher = journey("teacher", phone=True)
    teacher.login("staff_a", PASSWORD)
    page = teacher.go("/")
    teacher.shot("workbench")
    page.click("text=登记事件")
    page.wait_for_url("**/cases/new/")
    teacher.shot("intake-form")
    page.fill("#id_occurred_at", "2026-01-05T09:30")
    page.fill("#id_location", "二楼东侧厕所")
    page.check("input[name=forms][value=verbal]")
    page.check("input[name=forms][value=exclusion]")
    page.fill("#id_summary", "课间有同学反映某生被多名同学围堵辱骂，并被要求不许告诉老师。")
    page.select_option("#id_party-0-role", "victim")
    page.fill("#id_party-0-name", "甄秘密")
    page.fill("#id_party-0-grade", "七年级")
    page.select_option("#id_party-1-role", "perpetrator")
    page.fill("#id_party-1-name", "贾某某")
    teacher.submit("main form")
    assert re.search(r"/cases/\d+/$", page.url)
    case = Case.objects.get()
    assert page.locator(".messages").inner_text().startswith("事件已登记")
    assert case.number in page.locator("h1").inner_text()
    assert "甄秘密" in page.content()  # her own school sees the names
    assert str(case.pk) in page.url and "甄" not in page.url
    teacher.shot("registered")


def test_the_committee_takes_a_case_from_investigation_to_the_archive(journey, personas, tree):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cases import services

    case = services.case_open(
        actor=personas["staff_a"],
        school=tree["A"],
        occurred_at=datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
        location="操场",
        source="staff",
        forms=["physical"],
        summary="体育课后推搡踢打。",
        parties=[{"role": "victim", "name": "甄秘密"}, {"role": "perpetrator", "name": "贾某某"}],
    )
    chair = journey("chair")
    chair.login("chair_a", PASSWORD)
    page = chair.go(f"/cases/{case.pk}/")
    chair.shot("reported")

    chair.submit("#actions form[action$='/step/start/']")
    assert "已启动调查" in page.locator(".messages").inner_text()
    assert "剩 10 天" in page.locator("h1").inner_text()  # days left, visible at the top
    assert "须在" in page.locator("#clock").inner_text()
    chair.shot("investigating")

    page.check("input[name=det-is_bullying][value=true]")
    page.select_option("#id_det-severity", "minor")
    page.fill("#id_det-reasoning", "经调查取证，该生故意推搡踢打同学，造成轻微伤害，构成欺凌。")
    chair.submit("#actions form[action$='/step/determine/']")
    assert "认定结论已记录" in page.locator(".messages").inner_text()
    assert "已签发" in page.locator("#determination").inner_text()
    chair.shot("determined")

    perpetrator = case.parties.get(role="perpetrator")
    victim = case.parties.get(role="victim")
    page.click("#actions summary:has-text('添加处置措施')")
    page.select_option("#id_measure-kind", "education_plan")
    page.select_option("#id_measure-party", str(perpetrator.pk))
    page.fill("#id_measure-responsible", "德育主任")
    page.fill("#id_measure-planned_hours", "8")
    chair.submit("#actions form[action$='/step/measure/']")
    assert "处置措施已添加" in page.locator(".messages").inner_text()
    page.click("#actions summary:has-text('添加处置措施')")
    page.select_option("#id_measure-kind", "victim_counselling")
    page.select_option("#id_measure-party", str(victim.pk))
    page.fill("#id_measure-responsible", "心理教师")
    chair.submit("#actions form[action$='/step/measure/']")
    assert "0/8 学时" in page.locator("#measures").inner_text()
    chair.shot("handling")

    page.click("#actions summary:has-text('记录家长告知')")
    page.select_option("#id_notice-method", "phone")
    page.fill("#id_notice-guardian", "母亲")
    chair.submit("#actions form[action$='/step/notice/']")
    assert "家长告知记录已保存" in page.locator(".messages").inner_text()

    plan_row = page.locator("#measures tr", has_text="专门教育方案")
    plan_row.locator("input[name=prog-completed_hours]").fill("8")
    plan_row.locator("input[name=prog-completed_on]").fill(page.evaluate("new Date().toLocaleDateString('sv-SE')"))
    plan_row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "8/8 学时" in page.locator("#measures").inner_text()

    page.click("#actions summary:has-text('处置完成，转入跟踪观察')")
    chair.submit("#actions form[action$='/step/start_follow_up/']")
    page.click("#actions summary:has-text('记录跟踪观察')")
    page.fill("#id_fu-note", "两名学生关系缓和，受害学生情绪稳定。")
    chair.submit("#actions form[action$='/step/follow_up/']")
    chair.shot("follow-up")

    page.click("#actions summary:has-text('结案归档')")
    page.fill("#id_close-summary", "措施落实，跟踪无反复。")
    chair.submit("#actions form[action$='/step/close/']")
    assert "案件已结案归档" in page.locator(".messages").inner_text()
    assert page.locator("#actions").count() == 0  # the archive is read-only
    chair.shot("closed")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_refused_step_keeps_what_the_teacher_typed(journey, personas, tree):
    from cases import services
    from tests.bullying.test_reminders import open_investigation

    case = open_investigation(personas, tree, started=__import__("datetime").date(2026, 1, 5))
    chair = journey("chair")
    chair.login("chair_a", PASSWORD)
    page = chair.go(f"/cases/{case.pk}/")
    page.check("input[name=det-is_bullying][value=true]")  # but no severity chosen
    page.fill("#id_det-reasoning", "这段认定理由很长，不能因为漏选一项就丢失。")
    chair.submit("#actions form[action$='/step/determine/']")
    assert "未保存" in page.locator(".messages").inner_text()
    assert page.locator("#id_det-reasoning").input_value() == "这段认定理由很长，不能因为漏选一项就丢失。"
    assert (
        "严重程度" in page.locator("#actions .errorlist").first.inner_text()
        or page.locator("#actions .errorlist").count()
    )
    chair.shot("refused")
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    assert services.current_determination(case) is None


def test_an_outsider_gets_the_not_found_page(journey, personas, tree):
    from tests.bullying.test_reminders import open_investigation

    case = open_investigation(personas, tree, started=__import__("datetime").date(2026, 1, 5))
    outsider = journey("outsider")
    outsider.login("chair_y", PASSWORD)
    page = outsider.go(f"/cases/{case.pk}/")
    assert "页面不存在" in page.locator("h1").inner_text()
    assert case.number not in page.content()
    outsider.shot("not-found")
