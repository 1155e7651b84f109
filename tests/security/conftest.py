"""Fixtures of the security proof: the personas every role needs, a module-wide world of
objects for the permission matrix, and the terminal line that reports its size.

The shared personas (tests/conftest.py) hold each role once; the matrix also wants a
sysadmin, an auditor and an inspector at county level, so that the scope axis (own
school / sibling school / other county / other city) means something for them too.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from accounts.models import Role
from accounts.services import user_add
from tests.conftest import PASSWORD

# Personas missing from tests/conftest.py, with the unit code and role they hold.
EXTRA_PERSONAS = {
    "sysadmin_x": ("330106", Role.SYSADMIN),
    "auditor_x": ("330106", Role.AUDITOR),
    "inspector_x": ("330106", Role.INSPECTOR),
    "expert_y": ("330105", Role.REVIEW_EXPERT),
    "staff_a2": ("2133010602", Role.SCHOOL_STAFF),
    "city_b_inspector": ("330200", Role.INSPECTOR),
}


@pytest.fixture
def personas(personas):
    """The shared personas plus the ones above (same password, same naming)."""
    for username, (code, role) in EXTRA_PERSONAS.items():
        user, _, _ = user_add(username=username, org_code=code, role=role, password=PASSWORD, name=f"{username}老师")
        personas[username] = user
    return personas


def signed_in_client(user) -> Client:
    """A browser session for ``user`` that passes the session-age check."""
    import time

    client = Client()
    client.force_login(user)
    session = client.session
    session["auth_at"] = time.time()
    session.save()
    return client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The matrix's objects, built once per module inside a transaction that is rolled
    back at the end; each test runs in its own savepoint inside it (pytest-django's
    ``db``), so a write in one cell never reaches the next."""
    from tests.security.world import build_world

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------
# Reporting the size of the matrix


MATRIX_STATS: dict = {"generated": 0, "checked": 0, "rows": 0, "skipped_rows": [], "uncovered": []}


def pytest_terminal_summary(terminalreporter):
    stats = MATRIX_STATS
    if not stats["checked"] and not stats["generated"]:
        return
    terminalreporter.write_sep("-", "security proof")
    terminalreporter.write_line(
        f"permission matrix: {stats['checked']} cells checked "
        f"(of {stats['generated']} generated from {stats['rows']} rows)"
    )
    skipped = stats["skipped_rows"]
    terminalreporter.write_line(f"permission matrix: {len(skipped)} rows skipped (URL name not mounted)")
    for name in skipped:
        terminalreporter.write_line(f"  skipped: {name}")
    if stats["uncovered"]:
        terminalreporter.write_line(
            f"permission matrix: {len(stats['uncovered'])} mounted URL names have no row yet: "
            + ", ".join(stats["uncovered"])
        )
