"""Supervision fixtures: more inspectors, a frozen "today", and inspections made through
the real services.

Extra personas (besides tests/conftest.py's ``inspector_a`` at 杭州市 CA)::

    inspector_b  宁波市 CB (city)      inspector_x  西湖区 X (county)
    inspector_p  浙江省 P (province)   officer_ca   杭州市 CA city officer (= city_a)

"Today" is Friday 2026-11-20 in Shanghai (2026 official calendar is seeded).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from accounts.services import user_add
from inspections import services
from inspections.models import InspectionKind, PolicyItem, Result
from tests.conftest import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 20)
VISITED = date(2026, 11, 2)

EXTRA = {
    "inspector_b": ("330200", Role.INSPECTOR),
    "inspector_x": ("330106", Role.INSPECTOR),
    "inspector_p": ("330000", Role.INSPECTOR),
}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(personas):
    """Every persona of tests/conftest.py plus the inspectors above."""
    users = dict(personas)
    for username, (code, role) in EXTRA.items():
        user, _, _ = user_add(username=username, org_code=code, role=role, password=PASSWORD, name=f"{username}老师")
        users[username] = user
    return users


@pytest.fixture
def api_as(people):
    from rest_framework.test import APIClient

    def make(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[name])
        return client

    return make


@pytest.fixture
def web_as(people):
    import time

    from django.test import Client

    def make(name: str) -> Client:
        client = Client()
        client.force_login(people[name])
        session = client.session
        session["auth_at"] = time.time()
        session.save()
        return client

    return make


def answer_all(inspection, actor, *, result=Result.MET, overrides=None):
    """Set every item of ``inspection`` to ``result`` (``overrides``: {number: (result, finding)})."""
    overrides = overrides or {}
    for number in inspection.results.values_list("item__number", flat=True):
        value, finding = overrides.get(number, (result, ""))
        services.inspection_set_result(actor=actor, inspection=inspection, number=number, result=value, finding=finding)


@pytest.fixture
def supervision(tree, people):
    """``supervision()`` → a draft supervision of school A by 杭州市 (inspector_a)."""

    def make(target="A", actor="inspector_a", **kwargs):
        kwargs.setdefault("inspected_on", VISITED)
        return services.inspection_create(
            actor=people[actor], target=tree[target], kind=InspectionKind.SUPERVISION, **kwargs
        )

    return make


@pytest.fixture
def submitted_supervision(supervision, people):
    """A submitted supervision of school A: item 30 not met, item 34 partly met, the rest met."""

    def make(target="A", actor="inspector_a", **kwargs):
        inspection = supervision(target=target, actor=actor, **kwargs)
        answer_all(
            inspection,
            people[actor],
            overrides={
                30: (Result.NOT_MET, "抽查档案，调查处理超过10日且无延期说明。"),
                34: (Result.PARTLY_MET, "专门教育方案学时记录不全。"),
            },
        )
        services.inspection_update(actor=people[actor], inspection=inspection, summary="部分处置时限执行不严。")
        return services.inspection_submit(actor=people[actor], inspection=inspection)

    return make


def school_items() -> int:
    return PolicyItem.objects.filter(edition__is_current=True, for_school=True).count()
