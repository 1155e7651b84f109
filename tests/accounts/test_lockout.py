"""Lockout: 5 failures within 15 minutes lock a username for 30 minutes.

Every rule is checked through both doors a password can be tried at: the web login
form and the API token endpoint. Time moves with time-machine, never with sleep.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from tests.accounts.conftest import START, is_logged_in
from tests.conftest import PASSWORD

WRONG = "not-the-password-0"
SCHOOL_NAT = "10.20.30.40"


class WebLogin:
    """Posts the login form from a fresh browser each time."""

    def __call__(self, username: str, password: str, ip: str = SCHOOL_NAT) -> tuple[bool, str]:
        client = Client(REMOTE_ADDR=ip)
        response = client.post("/accounts/login/", {"username": username, "password": password})
        if is_logged_in(client):
            return True, ""
        errors = response.context["form"].non_field_errors()
        assert len(errors) == 1
        assert errors[0] in response.content.decode()  # shown on the page, not only in the form
        return False, errors[0]


class ApiLogin:
    """Asks the API for a token."""

    def __call__(self, username: str, password: str, ip: str = SCHOOL_NAT) -> tuple[bool, str]:
        response = APIClient(REMOTE_ADDR=ip).post(
            "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
        )
        if response.status_code == 200:
            assert response.json()["token"]
            return True, ""
        assert response.status_code == 400
        return False, response.json()["detail"]


@pytest.fixture(params=["web", "api"])
def login(request, personas):
    return WebLogin() if request.param == "web" else ApiLogin()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda minutes, seconds=0: traveller.move_to(START + timedelta(minutes=minutes, seconds=seconds))


def fail_at(login, clock, minutes, username="chair_a") -> str:
    clock(minutes)
    ok, message = login(username, WRONG)
    assert not ok
    return message


def test_five_failures_within_15_minutes_lock_the_username(login, clock):
    messages = [fail_at(login, clock, minute) for minute in (0, 1, 2, 3, 4)]

    assert all(m == "用户名或密码不正确。" for m in messages[:4])
    assert messages[4] == "登录失败次数过多，账号已锁定 30 分钟。"


def test_a_correct_password_during_the_lockout_is_still_refused(login, clock):
    for minute in (0, 1, 2, 3, 4):
        fail_at(login, clock, minute)

    clock(5)
    ok_soon, message_soon = login("chair_a", PASSWORD)
    clock(33, 59)
    ok_late, message_late = login("chair_a", PASSWORD)

    assert (ok_soon, ok_late) == (False, False)
    assert "账号已临时锁定，请于 09:34 后再试" in message_soon
    assert "09:34" in message_late


def test_after_30_minutes_the_correct_password_works(login, clock):
    """GIVEN chair_a locked by a fifth failure at 09:04
    WHEN they try the right password at 09:34:01
    THEN they are in, and the old failures no longer count."""
    for minute in (0, 1, 2, 3, 4):
        fail_at(login, clock, minute)

    clock(34, 1)
    ok, _ = login("chair_a", PASSWORD)

    assert ok
    assert not LoginFailure.objects.filter(username="chair_a").exists()
    assert fail_at(login, clock, 35) == "用户名或密码不正确。"


def test_failures_during_the_lockout_do_not_extend_it(login, clock):
    for minute in (0, 1, 2, 3, 4):
        fail_at(login, clock, minute)

    for minute in (10, 20, 30, 33):
        assert "09:34" in fail_at(login, clock, minute)
    clock(34, 1)
    ok, _ = login("chair_a", PASSWORD)

    assert ok
    assert LoginFailure.objects.filter(username="chair_a").count() == 0


def test_failures_during_the_lockout_are_not_stored_as_new_failures(login, clock):
    for minute in (0, 1, 2, 3, 4, 10, 20, 30):
        fail_at(login, clock, minute)

    assert LoginFailure.objects.filter(username="chair_a").count() == 5


def test_five_failures_spread_over_more_than_15_minutes_do_not_lock(login, clock):
    messages = [fail_at(login, clock, minute) for minute in (0, 4, 8, 12, 16)]

    ok, _ = login("chair_a", PASSWORD)

    assert all(m == "用户名或密码不正确。" for m in messages)
    assert ok


def test_five_failures_in_exactly_15_minutes_lock(login, clock):
    messages = [fail_at(login, clock, minute) for minute in (0, 4, 8, 12, 15)]

    assert messages[-1] == "登录失败次数过多，账号已锁定 30 分钟。"
    assert not login("chair_a", PASSWORD)[0]


def test_the_window_slides_over_older_failures(login, clock):
    """Failures at 0, 10, 16, 17, 18, 19: the last five fall within 9 minutes."""
    messages = [fail_at(login, clock, minute) for minute in (0, 10, 16, 17, 18, 19)]

    assert messages[4] == "用户名或密码不正确。"
    assert messages[5] == "登录失败次数过多，账号已锁定 30 分钟。"


def test_another_username_from_the_same_address_is_not_locked(login, clock):
    """GIVEN a whole school behind one NAT address, and chair_a locked out from it
    WHEN chair_a2 signs in from the same address
    THEN chair_a2 gets in: the lockout is per username, never per address."""
    for minute in (0, 1, 2, 3, 4):
        fail_at(login, clock, minute)

    clock(5)
    ok, _ = login("chair_a2", PASSWORD, ip=SCHOOL_NAT)

    assert ok
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {SCHOOL_NAT}


def test_a_locked_username_stays_locked_from_another_address(login, clock):
    for minute in (0, 1, 2, 3, 4):
        fail_at(login, clock, minute)

    clock(5)
    ok, message = login("chair_a", PASSWORD, ip="192.0.2.7")

    assert not ok
    assert "锁定" in message


def test_a_success_before_the_fifth_failure_starts_the_count_afresh(login, clock):
    for minute in (0, 1, 2, 3):
        fail_at(login, clock, minute)
    clock(4)
    assert login("chair_a", PASSWORD)[0]

    messages = [fail_at(login, clock, minute) for minute in (5, 6, 7, 8)]

    assert all(m == "用户名或密码不正确。" for m in messages)
    assert login("chair_a", PASSWORD)[0]


def test_an_unknown_username_locks_the_same_way(login, clock):
    """A lockout that only known names get would tell an attacker which names exist."""
    messages = [fail_at(login, clock, minute, username="no_such_user") for minute in (0, 1, 2, 3, 4)]

    assert messages[:4] == ["用户名或密码不正确。"] * 4
    assert messages[4] == "登录失败次数过多，账号已锁定 30 分钟。"
