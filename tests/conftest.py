"""Shared fixtures: a small tree and fixed personas (healthchecks' alice/bob/charlie).

Tree::

    P  浙江省 (province)
    ├── CA 杭州市 (city)
    │   ├── X 西湖区 (county) ── A 实验小学, A2 第一中学 (schools)
    │   └── Y 拱墅区 (county) ── YS 育才中学
    └── CB 宁波市 (city)
        └── Z 海曙区 (county) ── ZS 海曙小学
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Level, Role, User
from accounts.services import _Row, org_units_import, user_add

pytest_plugins = ["tests.browser_support", "tests.security.matrix_report"]

PASSWORD = "Correct-Horse-Battery-9"

TREE = [
    ("330000", "浙江省", Level.PROVINCE, ""),
    ("330100", "杭州市", Level.CITY, "330000"),
    ("330200", "宁波市", Level.CITY, "330000"),
    ("330106", "杭州市西湖区", Level.COUNTY, "330100"),
    ("330105", "杭州市拱墅区", Level.COUNTY, "330100"),
    ("330203", "宁波市海曙区", Level.COUNTY, "330200"),
    ("2133010601", "西湖区实验小学", Level.SCHOOL, "330106"),
    ("2133010602", "西湖区第一中学", Level.SCHOOL, "330106"),
    ("2133010501", "拱墅区育才中学", Level.SCHOOL, "330105"),
    ("2133020301", "海曙区海曙小学", Level.SCHOOL, "330203"),
]

PERSONAS = {
    "staff_a": ("2133010601", Role.SCHOOL_STAFF),
    "member_a": ("2133010601", Role.COMMITTEE_MEMBER),
    "chair_a": ("2133010601", Role.COMMITTEE_CHAIR),
    "chair_a2": ("2133010602", Role.COMMITTEE_CHAIR),
    "chair_y": ("2133010501", Role.COMMITTEE_CHAIR),
    "chair_z": ("2133020301", Role.COMMITTEE_CHAIR),
    "officer_x": ("330106", Role.COUNTY_OFFICER),
    "officer_y": ("330105", Role.COUNTY_OFFICER),
    "officer_z": ("330203", Role.COUNTY_OFFICER),
    "expert_x": ("330106", Role.REVIEW_EXPERT),
    "city_a": ("330100", Role.CITY_OFFICER),
    "city_b": ("330200", Role.CITY_OFFICER),
    "province": ("330000", Role.PROVINCE_OFFICER),
    "inspector_a": ("330100", Role.INSPECTOR),
    "sysadmin": ("330000", Role.SYSADMIN),
    "auditor": ("330000", Role.AUDITOR),
}


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A cache of this process only: tests run in parallel processes (pytest-xdist).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # locmem keeps its data across tests (e.g. the workbench panel's figures)
    settings.BULLYING_REQUIRE_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


REFERENCE_DATA = [
    # (model, data migration module, loader): rows production gets from data migrations.
    ("bullying.CalendarDay", "bullying.migrations.0003_seed_official_holidays_2004_2026", "seed"),
    ("inspections.PolicyItem", "inspections.migrations.0002_load_policy_list_2021", "load"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put back the rows of data migrations (holiday calendar, policy list) when missing.

    A transactional test ends with a flush that empties every table, and a reused test
    database keeps that state; without this, a later test would silently count deadlines
    without holidays.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or names & {
        "transactional_db",
        "live_server",
    }
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_reference_data()


def ensure_reference_data() -> None:
    """Load the data-migration rows that a flush removed (also for module-scoped worlds)."""
    from importlib import import_module

    from django.apps import apps

    for label, module, loader in REFERENCE_DATA:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if not model.objects.exists():
            getattr(import_module(module), loader)(apps, None)


@pytest.fixture
def tree(db):
    """The org tree above, keyed by a short name."""
    result = org_units_import(rows=[_Row(i, *row) for i, row in enumerate(TREE, start=2)])
    assert not result.errors, result.errors
    from accounts.models import OrgUnit

    units = {u.code: u for u in OrgUnit.objects.all()}
    return {
        "P": units["330000"],
        "CA": units["330100"],
        "CB": units["330200"],
        "X": units["330106"],
        "Y": units["330105"],
        "Z": units["330203"],
        "A": units["2133010601"],
        "A2": units["2133010602"],
        "YS": units["2133010501"],
        "ZS": units["2133020301"],
    }


@pytest.fixture
def personas(tree) -> dict[str, User]:
    users = {}
    for username, (code, role) in PERSONAS.items():
        user, _, _ = user_add(username=username, org_code=code, role=role, password=PASSWORD, name=f"{username}老师")
        users[username] = user
    return users


@pytest.fixture
def client_for(personas):
    """``client_for("chair_a")`` → a logged-in Django test client."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(personas[name])
        session = client.session
        import time

        session["auth_at"] = time.time()
        session.save()
        return client

    return make


@pytest.fixture
def api_for(personas):
    """``api_for("officer_x")`` → an APIClient authenticated as that persona."""

    def make(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(personas[name])
        return client

    return make
