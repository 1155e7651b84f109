"""Browser fixtures for every test directory (loaded by tests/conftest.py as a plugin).

Playwright drives Debian's Chromium (/usr/bin/chromium) against the live test server;
one browser per test session, shared by all journeys (a second Playwright instance in
the same process would clash with the first one's event loop).

Each journey saves screenshots of its key pages in ``test-artifacts/screenshots/``; a
failing test keeps its last screenshot and the page's console errors. No console error
is allowed on any page.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.fixturenames or "journey" in item.fixturenames:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Journey:
    """A browser tab for one persona, with screenshots and console-error tracking."""

    def __init__(self, browser, base_url: str, name: str, *, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = base_url
        self.name = name
        self.errors: list[str] = []
        self.shots = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message):
        if message.type != "error":
            return
        # A page we expect to answer 400 or 404 logs its own status; that is not an error
        # of the page. A failed script, style or image still counts.
        if message.text.startswith("Failed to load resource") and message.location.get("url") == self.page.url:
            return
        self.errors.append(f"{message.text} ({message.location.get('url')})")

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str, password: str):
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, label: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        safe = re.sub(r"[^\w-]+", "_", label)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{safe}.png"), full_page=True)

    def submit(self, form_selector: str):
        self.page.click(f"{form_selector} button[type=submit]")
        self.page.wait_for_load_state()

    def close(self):
        self.context.close()


@pytest.fixture
def journey(browser, live_server, request):
    opened: list[Journey] = []

    def start(name: str, *, phone: bool = False) -> Journey:
        j = Journey(browser, live_server.url, f"{request.node.name}-{name}", phone=phone)
        opened.append(j)
        return j

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for j in opened:
        if failed:
            j.shot("failure")
            (ARTIFACTS / f"{j.name}-console.txt").write_text("\n".join(j.errors) or "(no console errors)")
        j.close()
    for j in opened:
        assert j.errors == [], f"console errors on {j.name}: {j.errors}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# ---------------------------------------------------------------------------------------
# Helpers for the journeys (additions: tests/browser/test_appeal_journey.py and friends).

CHAIRS = {"A": "chair_a", "A2": "chair_a2", "YS": "chair_y", "ZS": "chair_z"}


def school_case(personas, tree, *, school="A", to="determined", severity="minor", parties, members=None):
    """A case of ``school`` opened by its chair and walked to ``to`` ("reported",
    "investigating" or "determined") through the real services, every step dated today
    (the browser checks cookies against the real clock, so these tests do not freeze time)."""
    from datetime import timedelta

    from django.utils import timezone

    from cases import services

    chair = personas[CHAIRS[school]]
    case = services.case_open(
        actor=chair,
        school=tree[school],
        # Two hours ago (never in the future, whatever the hour the suite runs at).
        occurred_at=(timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0),
        location="教学楼三楼走廊",
        source="parent",
        forms=["verbal", "exclusion"],
        summary="课间多名同学围住一名学生起侮辱性绰号，并号召其他同学孤立该生。",
        parties=parties,
    )
    if to in ("investigating", "determined"):
        services.case_start_investigation(actor=chair, case=case)
    if to == "determined":
        services.case_determine(
            actor=chair,
            case=case,
            is_bullying=True,
            severity=severity,
            reasoning="经委员会调查取证、听取双方及证人陈述，认定该行为系故意实施，造成身心伤害。",
            members_present=[personas[name] for name in (members or [CHAIRS[school]])],
        )
    case.refresh_from_db()
    return case


def track_urls(journey: "Journey") -> list[str]:
    """Every URL the journey's tab requests from now on (percent-decoded), to check that
    no child's name ever travels in a URL."""
    from urllib.parse import unquote

    urls: list[str] = []
    journey.page.on("request", lambda request: urls.append(unquote(request.url)))
    return urls
