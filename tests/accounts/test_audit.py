"""Every failed login and every denied access leaves exactly one audit row, which the
auditor over that unit reads on the audit page."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bullying.audit.models import AuditEvent
from tests.accounts.conftest import login_via_form
from tests.conftest import PASSWORD

WRONG = "not-the-password-0"


@pytest.fixture
def auditor_x(personas):
    """An auditor of county X (school A, A2 below it), next to the province auditor."""
    return personas["auditor_x"]


def audit_page(client: Client, after: int, **query) -> list[tuple[str, str, str]]:
    """The rows the audit page shows, newest first, leaving out those of the test set-up."""
    response = client.get("/accounts/audit/", query)
    assert response.status_code == 200
    return [(e.action, e.outcome, e.username) for e in response.context["page"].object_list if e.pk > after]


# ---------------------------------------------------------------------------
# Failed logins


def test_a_wrong_password_on_the_form_leaves_one_failure_row(personas, tree, new_audit_rows):
    login_via_form(Client(REMOTE_ADDR="10.1.1.1"), "chair_a", WRONG)

    assert new_audit_rows() == [("login.failure", "failure", "chair_a")]
    event = AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get()
    assert event.actor is None
    assert event.ip == "10.1.1.1"
    assert event.org_unit == tree["A"]


def test_a_wrong_password_on_the_api_leaves_one_failure_row(personas, tree, new_audit_rows):
    APIClient().post("/api/v1/auth/token/", {"username": "officer_y", "password": WRONG}, format="json")

    assert new_audit_rows() == [("login.failure", "failure", "officer_y")]
    assert AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get().org_unit == tree["Y"]


def test_an_unknown_username_leaves_an_unattributed_failure_row(personas, new_audit_rows):
    login_via_form(Client(), "nobody_here", WRONG)

    assert new_audit_rows() == [("login.failure", "failure", "nobody_here")]
    assert AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get().org_unit is None


def test_the_lockout_leaves_a_row_for_each_failure_the_lock_and_each_refusal(personas, new_audit_rows):
    for _ in range(5):
        login_via_form(Client(), "chair_a", WRONG)
    login_via_form(Client(), "chair_a", PASSWORD)
    login_via_form(Client(), "chair_a", WRONG)

    assert new_audit_rows() == [
        *[("login.failure", "failure", "chair_a")] * 5,
        ("login.locked", "denied", "chair_a"),
        ("login.locked", "denied", "chair_a"),
        ("login.locked", "denied", "chair_a"),
    ]


def test_a_successful_login_leaves_one_success_row(personas, new_audit_rows):
    login_via_form(Client(), "chair_a")

    assert new_audit_rows() == [("login.success", "success", "chair_a")]
    assert AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get().actor == personas["chair_a"]


# ---------------------------------------------------------------------------
# Denied access


def test_a_unit_page_outside_the_scope_leaves_a_denied_row(client_for, tree, new_audit_rows):
    client_for("officer_x").get(f"/accounts/org-units/{tree['YS'].pk}/")

    assert new_audit_rows() == [("access.denied", "denied", "officer_x")]
    event = AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get()
    assert (event.object_type, event.object_id) == ("accounts.orgunit", str(tree["YS"].pk))
    assert event.roles == "county_officer"
    assert event.org_unit == tree["X"]


def test_a_unit_outside_the_scope_on_the_api_leaves_a_denied_row(api_for, tree, new_audit_rows):
    api_for("chair_y").get(f"/api/v1/org-units/{tree['A'].pk}/")

    assert new_audit_rows() == [("access.denied", "denied", "chair_y")]
    event = AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get()
    assert (event.object_type, event.object_id) == ("path", f"/api/v1/org-units/{tree['A'].pk}/")
    assert event.detail == {"method": "GET", "status": 404}


def test_a_unit_that_does_not_exist_is_denied_the_same_way(client_for, api_for, tree, new_audit_rows):
    client_for("province").get("/accounts/org-units/999999/")
    api_for("province").get("/api/v1/org-units/999999/")

    assert new_audit_rows() == [("access.denied", "denied", "province")] * 2


@pytest.mark.parametrize(("persona", "path"), [("officer_x", "/accounts/users/"), ("sysadmin", "/accounts/audit/")])
def test_an_administration_page_refused_leaves_a_denied_row(client_for, persona, path, new_audit_rows):
    client_for(persona).get(path)

    assert new_audit_rows() == [("access.denied", "denied", persona)]
    assert AuditEvent.objects.filter(id__gt=new_audit_rows.mark).get().object_id == path


def test_a_page_inside_the_scope_leaves_no_denied_row(client_for, api_for, tree, new_audit_rows):
    client_for("officer_x").get(f"/accounts/org-units/{tree['A'].pk}/")
    api_for("officer_x").get(f"/api/v1/org-units/{tree['A'].pk}/")

    assert new_audit_rows(action="access.denied") == []


# ---------------------------------------------------------------------------
# The audit page


def test_the_province_auditor_sees_the_failures_and_denials_on_the_audit_page(
    client_for, personas, tree, new_audit_rows
):
    """GIVEN a wrong password for chair_a, an unknown name, and officer X peeking at county Y
    WHEN the province auditor opens the audit page
    THEN all three rows are there, newest first, with the login names on the page."""
    login_via_form(Client(), "chair_a", WRONG)
    login_via_form(Client(), "nobody_here", WRONG)
    client_for("officer_x").get(f"/accounts/org-units/{tree['Y'].pk}/")
    auditor = client_for("auditor")

    rows = audit_page(auditor, new_audit_rows.mark)

    assert rows == [
        ("access.denied", "denied", "officer_x"),
        ("login.failure", "failure", "nobody_here"),
        ("login.failure", "failure", "chair_a"),
    ]
    content = auditor.get("/accounts/audit/").content.decode()
    for text in ("chair_a", "nobody_here", "officer_x", "login.failure", "access.denied"):
        assert text in content


def test_the_audit_page_filters_by_action_and_by_login_name(client_for, personas, tree, new_audit_rows):
    login_via_form(Client(), "chair_a", WRONG)
    login_via_form(Client(), "chair_z", WRONG)
    client_for("chair_a").get(f"/accounts/org-units/{tree['Y'].pk}/")
    auditor = client_for("auditor")

    assert audit_page(auditor, new_audit_rows.mark, action="login.failure") == [
        ("login.failure", "failure", "chair_z"),
        ("login.failure", "failure", "chair_a"),
    ]
    assert audit_page(auditor, new_audit_rows.mark, username="chair_a") == [
        ("access.denied", "denied", "chair_a"),
        ("login.failure", "failure", "chair_a"),
    ]


def test_a_county_auditor_sees_only_the_rows_of_that_county(client_for, auditor_x, tree, new_audit_rows):
    """GIVEN failed logins of chair_a (county X), chair_z (county Z) and an unknown name
    WHEN the auditor of county X opens the audit page
    THEN only chair_a's row is there: other counties and unattributed rows stay hidden."""
    login_via_form(Client(), "chair_a", WRONG)
    login_via_form(Client(), "chair_z", WRONG)
    login_via_form(Client(), "nobody_here", WRONG)

    assert audit_page(client_for("auditor_x"), new_audit_rows.mark, action="login.failure") == [
        ("login.failure", "failure", "chair_a")
    ]
