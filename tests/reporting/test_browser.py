"""The dashboard page in headless Chromium: every chart draws from the JSON data island,
with no console error (the page's CSP allows no inline script)."""

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


@pytest.mark.parametrize("persona", ["officer_x", "city_a"])
def test_the_dashboard_draws_every_chart_without_errors(browser, live_server, client_for, mixed, file_appeal, persona):
    # An appeal filed with the city (备案): the city's appeals chart counts only those.
    file_appeal(mixed()["a_unreported"])
    session = client_for(persona).cookies["sessionid"].value
    problems, drawn = _check_dashboard(browser, live_server.url, session)
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
