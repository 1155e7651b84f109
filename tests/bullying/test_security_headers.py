"""Headers and sessions: CSP, no caching of personal pages, sessions that really end."""

from django.contrib.sessions.models import Session

from accounts.api.authentication import token_issue
from tests.conftest import PASSWORD


def test_every_page_sends_a_script_locking_csp(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_pages_with_personal_data_are_not_cached(client_for):
    response = client_for("chair_a").get("/cases/")
    assert response["Cache-Control"] == "no-store"


def test_logout_ends_the_session_on_the_server(client, personas):
    client.post("/accounts/login/", {"username": "chair_a", "password": PASSWORD})
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/cases/").status_code == 302


def test_disabling_a_user_ends_their_session_and_tokens(client, personas, api_for):
    from rest_framework.test import APIClient

    client.post("/accounts/login/", {"username": "officer_x", "password": PASSWORD})
    assert client.get("/cases/").status_code == 200
    token = token_issue(user=personas["officer_x"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 200

    personas["officer_x"].is_active = False
    personas["officer_x"].save(update_fields=["is_active"])

    assert client.get("/cases/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
