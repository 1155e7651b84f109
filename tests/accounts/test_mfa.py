"""The second factor (TOTP) for every role above the school, on the web and the API."""

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.accounts.conftest import START, audit_rows, is_logged_in, login_via_form
from tests.conftest import PASSWORD

OFFICIALS = ["officer_x", "expert_x", "city_a", "province", "inspector_a", "sysadmin", "auditor"]
SCHOOL_ROLES = ["staff_a", "member_a", "chair_a"]
PAGE = "/accounts/org-units/"


@pytest.fixture
def clock(settings):
    """MFA on (the production default), the clock frozen so TOTP codes are predictable."""
    settings.BULLYING_REQUIRE_MFA = True
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice, steps: int = 0) -> str:
    """The code an authenticator app shows now (``steps`` periods later)."""
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps):0{device.digits}d}"
    )


def wrong_code_for(device: TOTPDevice) -> str:
    accepted = {code_for(device, steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in accepted)


def signed_in(username: str) -> Client:
    client = Client()
    response = login_via_form(client, username)
    assert response.status_code == 302
    return client


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


# ---------------------------------------------------------------------------
# Who is sent to the second factor


@pytest.mark.parametrize("persona", OFFICIALS)
def test_an_official_is_sent_to_the_second_factor_until_verified(persona, personas, clock):
    client = Client()

    response = login_via_form(client, persona)

    assert response.status_code == 302
    assert response.url == "/accounts/mfa/?next=%2F"
    assert client.get(PAGE).url == "/accounts/mfa/"
    assert client.get("/").url == "/accounts/mfa/"
    assert client.get("/accounts/login/").url == "/accounts/mfa/"
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json() == {"detail": "需要先完成双因素认证。"}


@pytest.mark.parametrize("persona", SCHOOL_ROLES)
def test_a_school_role_goes_straight_in(persona, personas, clock):
    client = Client()

    response = login_via_form(client, persona)

    assert response.url == "/"
    assert client.get(PAGE).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_an_official_goes_straight_in_when_mfa_is_switched_off(personas, settings):
    settings.BULLYING_REQUIRE_MFA = False
    client = Client()

    assert login_via_form(client, "officer_x").url == "/"
    assert client.get(PAGE).status_code == 200


def test_an_official_with_a_school_role_too_still_needs_the_second_factor(personas, clock):
    from accounts.services import user_add

    user_add(username="chair_a", org_code="330106", role="review_expert")
    client = signed_in("chair_a")

    assert client.get(PAGE).url == "/accounts/mfa/"


# ---------------------------------------------------------------------------
# Enrolment and verification


def test_the_enrolment_page_shows_a_qr_code_and_the_secret(personas, clock):
    client = signed_in("officer_x")

    response = client.get("/accounts/mfa/")

    assert response.status_code == 200
    assert response.context["enrolling"] is True
    content = response.content.decode()
    assert "<svg" in content
    assert "绑定身份验证器" in content
    device = TOTPDevice.objects.get(user=personas["officer_x"])
    assert device.confirmed is False
    assert response.context["secret"] in content


def test_reloading_the_enrolment_page_keeps_the_same_secret(personas, clock):
    client = signed_in("officer_x")

    first = client.get("/accounts/mfa/").context["secret"]
    second = client.get("/accounts/mfa/").context["secret"]

    assert first == second
    assert TOTPDevice.objects.filter(user=personas["officer_x"]).count() == 1


def test_a_correct_code_confirms_the_device_and_grants_access(personas, clock):
    """GIVEN county officer X signed in with a password and shown the QR code
    WHEN they type the code their authenticator app shows
    THEN the device is confirmed, they land on the home page and can work."""
    client = signed_in("officer_x")
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=personas["officer_x"])

    response = client.post("/accounts/mfa/?next=%2F", {"otp": code_for(device)})

    assert response.status_code == 302
    assert response.url == "/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(PAGE).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert audit_rows(username="officer_x") == [
        ("login.mfa_enrolled", "success", "officer_x"),
        ("login.success", "success", "officer_x"),
    ]


def test_a_wrong_code_confirms_nothing_and_is_audited(personas, clock):
    client = signed_in("officer_x")
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=personas["officer_x"])

    response = client.post("/accounts/mfa/", {"otp": wrong_code_for(device)})

    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(PAGE).url == "/accounts/mfa/"
    assert audit_rows(username="officer_x") == [("login.mfa_failure", "failure", "officer_x")]


def test_a_confirmed_user_is_asked_for_a_code_without_a_qr(personas, clock):
    device = confirmed_device(personas["city_a"])
    client = signed_in("city_a")

    page = client.get("/accounts/mfa/")
    response = client.post("/accounts/mfa/", {"otp": code_for(device)})

    assert page.context["enrolling"] is False
    assert "<svg" not in page.content.decode()
    assert response.url == "/"
    assert client.get(PAGE).status_code == 200
    assert TOTPDevice.objects.filter(user=personas["city_a"]).count() == 1


def test_a_code_cannot_be_used_twice(personas, clock):
    device = confirmed_device(personas["city_a"])
    code = code_for(device)
    first = signed_in("city_a")
    first.post("/accounts/mfa/", {"otp": code})
    clock.shift(timedelta(seconds=5))
    second = signed_in("city_a")

    response = second.post("/accounts/mfa/", {"otp": code})

    assert response.status_code == 200
    assert second.get(PAGE).url == "/accounts/mfa/"


def test_the_second_factor_returns_the_user_to_the_page_asked_for(personas, clock):
    """The address survives both hops (login → MFA → page), query string included."""
    device = confirmed_device(personas["officer_x"])
    wanted = f"{PAGE}?level=school&q=%E5%B0%8F%E5%AD%A6"
    client = Client()

    response = login_via_form(client, "officer_x", next_url=wanted)
    assert response.url == "/accounts/mfa/?next=" + quote(wanted, safe="")
    page = client.get(response.url).content.decode()
    form_action = html.unescape(re.search(r'<form method="post" action="([^"]*)"', page).group(1))
    done = client.post(form_action, {"otp": code_for(device)})

    assert done.url == wanted


def test_the_mfa_page_refuses_an_address_on_another_site(personas, clock):
    device = confirmed_device(personas["officer_x"])
    client = signed_in("officer_x")

    response = client.post("/accounts/mfa/?next=https://evil.example/", {"otp": code_for(device)})

    assert response.url == "/"


def test_an_official_may_sign_out_from_the_mfa_page(personas, clock):
    client = signed_in("officer_x")

    response = client.post("/accounts/logout/")

    assert response.url == "/accounts/login/"
    assert not is_logged_in(client)


# ---------------------------------------------------------------------------
# API tokens


def ask_token(**data):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": "officer_x", "password": PASSWORD, **data}, format="json"
    )


def test_a_token_request_without_a_code_is_refused_for_an_official(personas, clock):
    confirmed_device(personas["officer_x"])

    response = ask_token()

    assert response.status_code == 400
    assert response.json() == {"otp": ["动态口令错误或缺失。"], "detail": "动态口令错误或缺失。"}


def test_a_token_request_with_a_wrong_code_is_refused_and_audited(personas, clock):
    device = confirmed_device(personas["officer_x"])

    response = ask_token(otp=wrong_code_for(device))

    assert response.status_code == 400
    assert audit_rows(username="officer_x") == [("login.mfa_failure", "failure", "officer_x")]


def test_a_token_request_with_a_valid_code_gets_a_token_that_works(personas, clock):
    """GIVEN county officer X with a confirmed authenticator
    WHEN a data-exchange job asks for a token with the password and the current code
    THEN it gets a token, and the token opens /api/v1/me/ without any session."""
    device = confirmed_device(personas["officer_x"])

    response = ask_token(otp=code_for(device))

    assert response.status_code == 200
    token = response.json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "officer_x"
    assert api.get("/api/v1/org-units/").json()["count"] == 5  # X, its two schools, CA, P
    assert audit_rows(username="officer_x") == [("api.token_issued", "success", "officer_x")]


def test_a_valid_code_after_a_wrong_one_works_once_the_throttle_delay_passes(personas, clock):
    device = confirmed_device(personas["officer_x"])
    ask_token(otp=wrong_code_for(device))
    clock.shift(timedelta(seconds=31))

    assert ask_token(otp=code_for(device)).status_code == 200


def test_an_official_without_an_authenticator_must_enrol_on_the_web_first(personas, clock):
    response = ask_token(otp="123456")

    assert response.status_code == 400
    assert "先在网页端登录并绑定动态口令" in response.json()["detail"]


def test_a_school_role_gets_a_token_without_a_code(personas, clock):
    response = APIClient().post("/api/v1/auth/token/", {"username": "chair_a", "password": PASSWORD}, format="json")

    assert response.status_code == 200


def test_a_wrong_password_with_a_valid_code_gets_no_token(personas, clock):
    device = confirmed_device(personas["officer_x"])

    response = ask_token(password="not-the-password-0", otp=code_for(device))

    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码不正确。"}
