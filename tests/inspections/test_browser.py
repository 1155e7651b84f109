"""The policy list and an inspection page in headless Chromium: they render, work with a
mouse, show no console error, and fit a phone. Screenshots go to test-artifacts/."""

import re

import pytest

from inspections import services
from inspections.models import InspectionItem
from tests.browser_support import ARTIFACTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "inspections"


@pytest.fixture
def in_browser(browser):
    """``in_browser(scenario, *args)`` runs ``scenario(browser, *args)`` with the Chromium
    shared by every browser test (tests/browser_support.py)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return lambda scenario, *args: scenario(browser, *args)


def open_tab(browser, base: str, username: str, *, phone: bool = False):
    """A signed-in tab that records console errors in ``page.errors``."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not (m.text.startswith("Failed to load resource") and m.location.get("url") == page.url)
            and page.errors.append(m.text)
        ),
    )
    page.base = base
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def close(page) -> list[str]:
    errors = list(page.errors)
    page.context.close()
    return errors


def shot(page, name: str):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_policy_list_is_browsed_and_searched(in_browser, live_server, personas):
    def scenario(browser):
        page = open_tab(browser, live_server.url, "inspector_a")
        page.goto(page.base + "/")
        page.click("nav.sidebar >> text=督导检查")
        page.click("nav.subnav >> text=政策清单")
        page.wait_for_url("**/inspections/policy/")
        assert page.locator("ol.policy > li").count() == 50
        assert "明确学生欺凌的界定" in page.locator("#item-1").inner_text()
        shot(page, "policy-list")
        page.fill("#id_q", "10日内")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("ol.policy > li").count() == 1
        assert page.locator("#item-30 mark").first.inner_text() == "10日内"
        page.select_option("#id_level", "county")
        page.fill("#id_q", "")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#item-30").count() == 0 and page.locator("#item-45").count() == 1
        shot(page, "policy-county")
        return close(page)

    assert in_browser(scenario) == []


def test_an_inspector_fills_in_an_item_on_the_inspection_page(in_browser, live_server, tree, personas):
    inspection = services.inspection_create(actor=personas["inspector_a"], target=tree["A"], kind="supervision")

    def scenario(browser):
        page = open_tab(browser, live_server.url, "inspector_a")
        page.goto(f"{page.base}/inspections/{inspection.pk}/")
        assert "杭州市对西湖区实验小学的督导检查" in page.locator("h1").inner_text()
        item = page.locator("#item-30")
        item.locator("label.c-not_met").click()
        item.locator("form.item-form textarea").fill("抽查档案2份，调查处理超过10日且无延期说明。")
        item.locator("form.item-form button[type=submit]").click()
        page.wait_for_load_state()
        assert "第30项已保存" in page.locator(".messages").inner_text()
        assert re.search(r"#item-30$", page.url)
        assert page.locator("#item-30").get_attribute("class") == "r-not_met"
        shot(page, "inspection-draft")
        phone = open_tab(browser, live_server.url, "inspector_a", phone=True)
        phone.goto(f"{phone.base}/inspections/{inspection.pk}/#item-30")
        # The content of the page fits the phone (the shared top bar is base.html's business).
        wider = phone.evaluate(
            "() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className)"
        )
        shot(phone, "inspection-phone")
        return close(page) + close(phone), wider

    errors, wider = in_browser(scenario)
    assert errors == [] and wider == []
    row = InspectionItem.objects.get(inspection=inspection, item__number=30)
    assert row.result == "not_met" and row.finding.startswith("抽查档案")


def test_a_submitted_inspection_and_its_public_page(in_browser, live_server, tree, personas):
    from datetime import date

    from tests.inspections.conftest import answer_all

    actor = personas["inspector_a"]
    today = date.today()
    rnd = services.round_create(
        actor=actor, office=tree["CA"], title="专项督导（浏览器测试）", starts_on=today, ends_on=today
    )
    inspection = services.inspection_create(actor=actor, target=tree["A"], kind="supervision", round=rnd)
    answer_all(inspection, actor, overrides={30: ("not_met", "超期。"), 34: ("partly_met", "学时不全。")})
    services.inspection_update(actor=actor, inspection=inspection, summary="部分处置时限执行不严，须限期整改。")
    services.inspection_submit(actor=actor, inspection=inspection)
    services.rectification_raise(
        actor=actor, inspection=inspection, number=30, requirement="严格执行10日时限。", days=10
    )
    services.round_publish(actor=actor, round=rnd)

    def scenario(browser):
        page = open_tab(browser, live_server.url, "chair_a")
        page.goto(f"{page.base}/inspections/{inspection.pk}/")
        assert page.locator("form.item-form").count() == 0
        assert "未落实" in page.locator("#item-30").inner_text()
        shot(page, "inspection-submitted")
        page.goto(f"{page.base}/inspections/{inspection.pk}/?only=deficient")
        assert page.locator("ol.items > li").count() == 2
        page.goto(f"{page.base}/inspections/public/{rnd.pk}/")
        assert "西湖区实验小学" in page.locator("main").inner_text()
        shot(page, "public-round")
        return close(page)

    assert in_browser(scenario) == []
