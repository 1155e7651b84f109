"""The dashboard page in headless Chromium: every chart draws from the JSON data island,
with no console error (the page's CSP allows no inline script)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.browser

CHARTS = [
    "chart-trend",
    "chart-children",
    "chart-severity",
    "chart-form",
    "chart-source",
    "chart-grade",
    "chart-investigations",
    "chart-reports",
    "chart-appeals",
]


def _in_own_thread(check, *args):
    """Run a Playwright check in a thread of its own: Playwright's sync API refuses to
    start where an event loop already runs, which another suite's session-wide browser
    may leave in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(check, *args).result()


def _with_chromium(check, *args):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            return check(browser, *args)
        finally:
            browser.close()


@pytest.mark.parametrize("persona", ["officer_x", "city_a"])
def test_the_dashboard_draws_every_chart_without_errors(live_server, client_for, mixed, persona):
    pytest.importorskip("playwright.sync_api")
    mixed()
    session = client_for(persona).cookies["sessionid"].value
    problems, drawn = _in_own_thread(_with_chromium, _check_dashboard, live_server.url, session)
    assert problems == []
    # The bars really carry the figures: the children's cases as ECharts drew them.
    assert sum(drawn) == (7 if persona == "officer_x" else 9)


def _check_dashboard(browser, base: str, session: str) -> tuple[list[str], list[int]]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))

    response = page.goto(f"{base}/reporting/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.echarts") == "object"
    for chart in CHARTS:
        # ECharts draws into one canvas per chart; an empty chart shows a text instead.
        size = page.eval_on_selector(
            f"#{chart}", "el => { const c = el.querySelector('canvas'); return c ? [c.width, c.height] : null; }"
        )
        assert size and size[0] > 100 and size[1] > 100, chart
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-children')).getOption().series[0].data"
    )
    context.close()
    return problems, drawn
