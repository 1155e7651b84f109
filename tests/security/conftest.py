"""Fixtures of the security proof: a module-wide world of objects for the permission
matrix (its users are the personas of tests/conftest.py, whose county-level sysadmin,
auditor and inspector give the scope axis a meaning for those roles too)."""

import contextlib

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings


def signed_in_client(user, client: Client | None = None) -> Client:
    """A browser session for ``user`` that passes the session-age check."""
    import time

    client = client or Client()
    client.force_login(user)
    session = client.session
    session["auth_at"] = time.time()
    session.save()
    return client


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """Objects built once for a whole module, inside a transaction rolled back at its end.

    Each test still runs in its own savepoint inside it (pytest-django's ``db``), so a
    write in one test never reaches the next. Yields a function that runs a builder
    with the database unblocked and test-speed password hashing.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()

    def build(builder):
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        ):
            return builder()

    try:
        yield build
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def make_clients(built) -> None:
    """One client per persona and interface, made once: a new client loads the whole
    middleware chain again (WhiteNoise scans the static files), and the session made
    here lives as long as the module's objects."""
    for name, user in built.users.items():
        built.clients[(name, True)] = Client(HTTP_AUTHORIZATION=f"Token {built.tokens[name]}")
        built.clients[(name, False)] = signed_in_client(user)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The matrix's objects (``tests.security.world``), built once per module."""
    from tests.security.world import build_world

    def builder():
        from tests.conftest import ensure_reference_data

        ensure_reference_data()
        built = build_world()
        make_clients(built)
        return built

    with module_transaction(django_db_blocker) as build:
        yield build(builder)
