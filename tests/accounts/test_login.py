"""The web login form and logout."""

from django.test import Client

from tests.accounts.conftest import is_logged_in, login_via_form

WRONG = "not-the-password-0"


def test_the_login_page_shows_the_form_and_the_lockout_rule(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "连续输错密码 5 次，账号将锁定 30 分钟" in content


def test_a_correct_password_signs_in_and_goes_to_the_workbench(personas):
    client = Client()

    response = login_via_form(client, "chair_a")

    assert response.url == "/"
    assert is_logged_in(client)
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_one_chinese_error_and_signs_in_nobody(personas):
    client = Client()

    response = login_via_form(client, "chair_a", WRONG)

    assert response.status_code == 200
    assert "用户名或密码不正确。" in response.content.decode()
    assert not is_logged_in(client)


def test_an_unknown_name_gets_the_same_error_as_a_wrong_password(personas):
    """The message must not tell a guesser which names exist."""
    unknown = login_via_form(Client(), "nobody_here", WRONG)
    wrong = login_via_form(Client(), "chair_a", WRONG)

    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_signing_in_returns_to_the_page_asked_for(personas):
    response = login_via_form(Client(), "officer_x", next_url="/accounts/org-units/?level=school")

    assert response.url == "/accounts/org-units/?level=school"


def test_signing_in_never_sends_the_user_to_another_site(personas):
    response = login_via_form(Client(), "officer_x", next_url="https://evil.example/phish")

    assert response.url == "/"


def test_a_signed_in_user_opening_the_login_page_goes_to_the_workbench(personas):
    client = Client()
    login_via_form(client, "chair_a")

    response = client.get("/accounts/login/")

    assert response.status_code == 302
    assert response.url == "/"


def test_logout_needs_a_post(client_for):
    client = client_for("chair_a")

    assert client.get("/accounts/logout/").status_code == 405
    assert is_logged_in(client)


def test_logout_ends_the_session_and_is_audited(client_for, new_audit_rows):
    client = client_for("chair_a")

    response = client.post("/accounts/logout/")

    assert response.url == "/accounts/login/"
    assert not is_logged_in(client)
    assert client.get("/accounts/org-units/").status_code == 302
    assert new_audit_rows() == [("logout", "success", "chair_a")]
