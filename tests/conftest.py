"""Shared fixtures: a small tree and fixed personas (healthchecks' alice/bob/charlie).

Tree::

    P  浙江省 (province)
    ├── CA 杭州市 (city)
    │   ├── X 西湖区 (county) ── A 实验小学, A2 第一中学 (schools)
    │   └── Y 拱墅区 (county) ── YS 育才中学
    └── CB 宁波市 (city)
        └── Z 海曙区 (county) ── ZS 海曙小学

Personas (``PERSONAS``, the one vocabulary of the suite): ``<role>_<unit>``, the unit by
its short name above — school roles ``staff``, ``member``, ``chair`` at schools ``a``,
``a2``, ``y`` (YS), ``z`` (ZS); county roles ``officer``, ``expert``, and the county-level
``inspector``, ``sysadmin``, ``auditor`` at ``x``, ``y``, ``z``; city roles ``city``,
``inspector``, ``sysadmin`` at ``a`` (CA), ``b`` (CB); ``inspector_p`` at the province.
No suffix: the province's ``province`` officer, ``sysadmin`` and ``auditor``.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
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
    # The same roles in another branch or at another level, for the scope axis (own
    # school / sibling school / other county / other city) and the offices above.
    "staff_a2": ("2133010602", Role.SCHOOL_STAFF),
    "expert_y": ("330105", Role.REVIEW_EXPERT),
    "inspector_b": ("330200", Role.INSPECTOR),
    "inspector_x": ("330106", Role.INSPECTOR),
    "inspector_p": ("330000", Role.INSPECTOR),
    "sysadmin_b": ("330200", Role.SYSADMIN),
    "sysadmin_x": ("330106", Role.SYSADMIN),
    "auditor_x": ("330106", Role.AUDITOR),
}


TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    # A cache of this process only: tests run in parallel processes (pytest-xdist).
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "BULLYING_REQUIRE_MFA": False,
    # Static files looked up when asked for: every test client builds its own middleware
    # chain, and WhiteNoise would otherwise walk the static directories each time.
    "WHITENOISE_AUTOREFRESH": True,
}


@pytest.fixture(scope="session", autouse=True)
def _fast_and_plain():
    """Settings of the whole run, set once: changing settings per test costs a signal
    round (hashers, caches, storages are rebuilt) for each of several thousand tests."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(**TEST_SETTINGS, STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()  # locmem keeps its data across tests (e.g. the workbench panel's figures)


REFERENCE_DATA = [
    # (model, data migration module, loader): rows production gets from data migrations.
    ("bullying.CalendarDay", "bullying.deadlines.migrations.0003_seed_official_holidays_2004_2026", "seed"),
    ("inspections.PolicyItem", "inspections.migrations.0002_load_policy_list_2021", "load"),
]


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


# ---------------------------------------------------------------------------------------
# The tree and the personas, built once and shared.
#
# Building them through the real services takes about half a second; most tests only read
# them. So they are built once inside an outer transaction that stays open while the
# tests of a module that ask for them run one after another; each test runs in a
# savepoint inside it (pytest-django's ``db``), so nothing a test writes reaches the next.
# The outer transaction is rolled back before a test that does not ask for them (it sees
# an empty database, as before), before a transactional test (which commits and ends with
# a flush) and at the end of each module. After a flush the rows of data migrations are
# loaded again, committed, so no later test counts deadlines without holidays.

UNIT_KEYS = {
    "P": "330000",
    "CA": "330100",
    "CB": "330200",
    "X": "330106",
    "Y": "330105",
    "Z": "330203",
    "A": "2133010601",
    "A2": "2133010602",
    "YS": "2133010501",
    "ZS": "2133020301",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
# When the shared rows are made (users joined, memberships and their audit rows): a fixed
# instant before every frozen "today" of the suite, so no test depends on the run's date.
BUILT_AT = datetime(2026, 1, 1, 8, 0, tzinfo=SHANGHAI)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)

TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def _uses_db(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(names & {"db", "_django_db_helper"})


def _module_world(item) -> bool:
    """Whether the test reads a world of its own built once per module or class, in a
    transaction opened before the test's fixtures (tests/security, tests/privacy)."""
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        fixturedef = defs[-1]
        if (
            fixturedef.scope in ("module", "class", "package")
            and {"django_db_blocker", "django_db_setup"} & set(fixturedef.argnames)
            and not fixturedef.func.__module__.startswith("pytest_django")
        ):
            return True
    return False


def _shared_kind(item) -> str:
    """What the test wants shared: "personas" (tree and personas), "tree", or "" (none)."""
    names = set(getattr(item, "fixturenames", ()))
    # The shared rows must not be nested inside a module's world (nor it inside them).
    if not names & {"tree", "personas"} or _is_transactional(item) or _module_world(item):
        return ""
    return "personas" if "personas" in names else "tree"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """With ``--dist loadgroup`` (make pytest): the tests of a module-wide world go to one
    worker, which builds that world once; the permission matrix, larger than the rest of
    the suite's worlds together, is cut in one part per worker; the browser tests share
    one worker and its Chromium. pytest-xdist hands out the largest groups first, then
    the remaining tests one by one, so no long group is left for the end."""
    workers = getattr(config, "workerinput", {}).get("workercount")
    if not workers or config.getoption("dist", "no") != "loadgroup":
        return
    by_module: dict[str, list] = {}
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif _module_world(item):
            by_module.setdefault(item.nodeid.split("::")[0], []).append(item)
    for module, members in by_module.items():
        parts = workers if len(members) > 1000 else 1
        for index, item in enumerate(members):
            item.add_marker(pytest.mark.xdist_group(f"{module}:{index * parts // len(members)}"))


def _build_tree() -> None:
    result = org_units_import(rows=[_Row(i, *row) for i, row in enumerate(TREE, start=2)])
    assert not result.errors, result.errors


def _build_personas() -> None:
    for username, (code, role) in PERSONAS.items():
        user_add(username=username, org_code=code, role=role, password=PASSWORD, name=f"{username}老师")


class _SharedRows:
    """The outer transaction holding the tree (and the personas) while tests use them."""

    def __init__(self):
        self.blocker = None
        self.atomic = None
        self.kind = ""
        self.reference_checked = False

    def prepare(self, item, blocker) -> None:
        """Called just before the test's own transaction is opened."""
        from django.db import connection

        self.blocker = blocker
        if not self.reference_checked and not connection.in_atomic_block:
            # A reused test database may end with a flush from the last run.
            with blocker.unblock():
                ensure_reference_data()
            self.reference_checked = True
        kind = _shared_kind(item)
        if kind != self.kind:
            self.close()
        if kind and self.atomic is None:
            self.open(kind)

    def open(self, kind: str) -> None:
        from django.db import connection, transaction

        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.kind = kind
            try:
                with time_machine.travel(BUILT_AT, tick=False):
                    _build_tree()
                    if kind == "personas":
                        _build_personas()
                # Fire the deferred foreign-key checks now, once: left pending, the
                # constraint check at the end of every test would run them again.
                connection.check_constraints()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self.atomic is None:
            return
        from django.db import transaction

        atomic, self.atomic, self.kind = self.atomic, None, ""
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    def after_flush(self) -> None:
        if self.blocker is not None:
            with self.blocker.unblock():
                ensure_reference_data()


_SHARED = _SharedRows()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture of this test is set up (a module-scoped world opens a
    # transaction of its own): leave the shared rows if this test must not see them.
    if _SHARED.atomic is not None and _uses_db(item) and _shared_kind(item) != _SHARED.kind:
        _SHARED.close()


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    if fixturedef.argname == "_django_db_helper":
        _SHARED.prepare(request.node, request.getfixturevalue("django_db_blocker"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None or nextitem.path != item.path:
        _SHARED.close()  # before the module's own fixtures are torn down
    try:
        return (yield)
    finally:
        if _uses_db(item) and _is_transactional(item):
            _SHARED.after_flush()


@pytest.fixture
def tree(db):
    """The org tree above, keyed by a short name (fresh objects for each test)."""
    from accounts.models import OrgUnit

    if not _SHARED.kind:
        _build_tree()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=UNIT_KEYS.values())}
    return {key: units[code] for key, code in UNIT_KEYS.items()}


@pytest.fixture
def personas(tree) -> dict[str, User]:
    """The personas above by username (fresh objects: no cached memberships carry over)."""
    if _SHARED.kind != "personas":
        _build_personas()
    users = User.objects.in_bulk(list(PERSONAS), field_name="username")
    return {username: users[username] for username in PERSONAS}


@pytest.fixture
def today_is() -> datetime:
    """The instant ``frozen_today`` stops the clock at; a directory whose time line has
    another "today" overrides this (tests/appeals)."""
    return NOW


@pytest.fixture
def frozen_today(today_is):
    """ "Today" is the test directory's (Friday 2026-11-20 10:00 in Shanghai unless it says
    otherwise), and the clock does not move."""
    with time_machine.travel(today_is, tick=False) as traveller:
        yield traveller


def stop_the_clock(request) -> None:
    """For a directory whose every test runs on its frozen "today": the browser tests
    excepted, since the browser checks cookie expiry against the real clock."""
    if request.node.get_closest_marker("browser") is None and "browser" not in request.fixturenames:
        request.getfixturevalue("frozen_today")


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
