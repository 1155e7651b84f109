"""Helpers for the accounts tests: a fixed clock start, the real login form, audit rows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client

from bullying.audit.models import AuditEvent
from tests.conftest import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning; every time-dependent test starts here and moves with time-machine.
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The API token throttle keeps its history in the cache; start each test clean."""
    cache.clear()
    yield
    cache.clear()


def login_via_form(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    """POST the real login form, as a browser would (``next`` is the form's hidden field)."""
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def audit_rows(**filters) -> list[tuple[str, str, str]]:
    """(action, outcome, username) of the matching audit rows, oldest first."""
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id").values_list("action", "outcome", "username"))


@pytest.fixture
def new_audit_rows(personas):
    """``new_audit_rows()`` → the audit rows written after the tree and personas were set up."""
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def rows(**filters) -> list[tuple[str, str, str]]:
        return audit_rows(id__gt=mark, **filters)

    rows.mark = mark
    rows.events = lambda **filters: list(AuditEvent.objects.filter(id__gt=mark, **filters).order_by("at", "id"))
    return rows
