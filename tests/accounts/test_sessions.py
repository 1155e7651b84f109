"""Sessions end after 30 idle minutes and, however active, 12 hours after sign-in."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from bullying.audit.models import AuditEvent
from tests.accounts.conftest import START, is_logged_in, login_via_form

PAGE = "/accounts/org-units/"
LOGIN_REDIRECT = f"/accounts/login/?next={PAGE}"


@pytest.fixture
def browser(personas):
    """chair_a signed in through the real login form at START, the clock frozen there."""
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        response = login_via_form(client, "chair_a")
        assert response.status_code == 302
        assert is_logged_in(client)
        client.traveller = traveller
        yield client


def at(client: Client, minutes: float) -> None:
    client.traveller.move_to(START + timedelta(minutes=minutes))


def test_a_session_used_within_30_minutes_stays_open(browser):
    at(browser, 29)

    assert browser.get(PAGE).status_code == 200


def test_an_idle_session_ends_after_30_minutes(browser):
    at(browser, 30.1)

    response = browser.get(PAGE)

    assert response.status_code == 302
    assert response.url == LOGIN_REDIRECT


def test_each_request_moves_the_idle_limit_on(browser):
    """GIVEN a request at 09:29
    WHEN the next comes at 09:58 (29 minutes later, 58 after sign-in)
    THEN the session is still open, and it ends 30 idle minutes after that."""
    at(browser, 29)
    browser.get(PAGE)
    at(browser, 58)
    assert browser.get(PAGE).status_code == 200

    at(browser, 88.1)

    assert browser.get(PAGE).url == LOGIN_REDIRECT


def test_activity_every_20_minutes_keeps_the_session_alive_until_12_hours_then_it_ends(browser):
    """GIVEN chair_a signed in at 09:00 and working every 20 minutes
    WHEN the clock passes 21:00
    THEN the next request, only 21 minutes after the last, is sent to the login page."""
    statuses = []
    for minute in range(20, 720, 20):  # 09:20 … 20:40
        at(browser, minute)
        statuses.append(browser.get(PAGE).status_code)
    assert statuses == [200] * 35

    at(browser, 721)
    response = browser.get(PAGE)

    assert response.status_code == 302
    assert response.url == LOGIN_REDIRECT
    assert not is_logged_in(browser)
    assert (
        AuditEvent.objects.filter(action="session.expired", username="chair_a", detail={"reason": "absolute"}).count()
        == 1
    )


def test_the_absolute_limit_ends_an_api_session_with_401(browser):
    at(browser, 20)
    assert browser.get("/api/v1/me/").status_code == 200
    for minute in range(40, 720, 20):
        at(browser, minute)
        browser.get(PAGE)

    at(browser, 721)
    response = browser.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {"detail": "会话已过期，请重新登录。"}


def test_after_the_session_ends_signing_in_again_starts_a_new_12_hours(browser):
    at(browser, 31)
    assert browser.get(PAGE).status_code == 302

    login_via_form(browser, "chair_a")
    at(browser, 31 + 25)

    assert browser.get(PAGE).status_code == 200


@pytest.mark.parametrize("minutes", [31, 721], ids=["idle", "absolute"])
def test_after_either_limit_signing_in_again_returns_to_the_page_asked_for(browser, minutes):
    """GIVEN a session ended by the idle or the absolute limit
    WHEN the user asks for a filtered list and signs in again
    THEN the login page carries the whole address, query included, and sends them back to it."""
    at(browser, minutes)

    response = browser.get(PAGE, {"level": "school", "q": "小学"})

    wanted = f"{PAGE}?level=school&q=%E5%B0%8F%E5%AD%A6"
    assert response.url == "/accounts/login/?next=" + quote(wanted, safe="/")
    assert login_via_form(browser, "chair_a", next_url=wanted).url == wanted
