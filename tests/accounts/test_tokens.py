"""API tokens: valid for ``API_TOKEN_LIFETIME`` (12 h), stored as a digest, refused after."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.accounts.conftest import START
from tests.conftest import PASSWORD


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def get_token(username: str = "chair_a") -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def me(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/")


def test_a_token_works_until_just_before_12_hours(personas, clock):
    token = get_token()["token"]
    clock.shift(timedelta(hours=11, minutes=59, seconds=59))

    response = me(token)

    assert response.status_code == 200
    assert response.json()["username"] == "chair_a"


def test_a_token_is_refused_with_401_after_12_hours(personas, clock):
    """GIVEN a token issued at 09:00
    WHEN a job uses it at 21:00:01
    THEN the API answers 401 in Chinese and asks for a token again."""
    token = get_token()["token"]
    clock.shift(timedelta(hours=12, seconds=1))

    response = me(token)

    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或已过期，请重新获取。"}
    assert response["WWW-Authenticate"] == "Token"


def test_the_token_answer_says_when_it_expires(personas, clock):
    body = get_token()

    assert parse_datetime(body["expires_at"]) == START + timedelta(hours=12)


def test_the_lifetime_follows_the_setting(personas, clock, settings):
    settings.API_TOKEN_LIFETIME = timedelta(hours=1)
    token = get_token()["token"]
    clock.shift(timedelta(minutes=61))

    assert me(token).status_code == 401


def test_an_expired_token_leaves_a_failure_row_naming_the_user(personas, clock, new_audit_rows):
    token = get_token()["token"]
    clock.shift(timedelta(hours=13))

    me(token)

    assert new_audit_rows(action="login.failure") == [("login.failure", "failure", "chair_a")]
    assert new_audit_rows.events(action="login.failure")[0].detail == {"reason": "token_expired"}


def test_an_unknown_token_is_refused_and_audited(personas, new_audit_rows):
    response = me("made-up-token")

    assert response.status_code == 401
    assert new_audit_rows() == [("login.failure", "failure", "")]
    assert new_audit_rows.events()[0].detail == {"reason": "token_unknown"}


def test_a_deactivated_user_s_token_is_refused(personas, clock):
    token = get_token()["token"]
    personas["chair_a"].is_active = False
    personas["chair_a"].save(update_fields=["is_active"])

    assert me(token).status_code == 401


def test_only_the_digest_of_a_token_is_stored(personas, clock):
    token = get_token()["token"]

    stored = ApiToken.objects.get(user=personas["chair_a"])
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.digest


def test_a_new_token_after_expiry_works_and_clears_the_expired_one(personas, clock):
    old = get_token()["token"]
    clock.shift(timedelta(hours=13))

    new = get_token()["token"]

    assert me(new).status_code == 200
    assert me(old).status_code == 401
    assert ApiToken.objects.filter(user=personas["chair_a"]).count() == 1


def test_a_token_sees_the_same_scope_as_the_user(personas, clock, tree):
    token = get_token("officer_y")["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get(f"/api/v1/org-units/{tree['Y'].pk}/").status_code == 200
    assert client.get(f"/api/v1/org-units/{tree['X'].pk}/").status_code == 404
