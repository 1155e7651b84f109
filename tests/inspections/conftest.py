"""Supervision fixtures: inspections made through the real services, on the frozen
"today" of tests/conftest.py (Friday 2026-11-20 in Shanghai; the 2026 official calendar
is seeded). The inspectors are personas of tests/conftest.py: ``inspector_a`` (杭州市 CA),
``inspector_b`` (宁波市 CB), ``inspector_x`` (西湖区 X) and ``inspector_p`` (浙江省 P)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from inspections import services
from inspections.models import InspectionKind, PolicyItem, Result
from tests.conftest import stop_the_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 20)
VISITED = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _clock_stopped(request):
    stop_the_clock(request)


def answer_all(inspection, actor, *, result=Result.MET, overrides=None):
    """Set every item of ``inspection`` to ``result`` (``overrides``: {number: (result, finding)})."""
    overrides = overrides or {}
    for number in inspection.results.values_list("item__number", flat=True):
        value, finding = overrides.get(number, (result, ""))
        services.inspection_set_result(actor=actor, inspection=inspection, number=number, result=value, finding=finding)


@pytest.fixture
def supervision(tree, personas):
    """``supervision()`` → a draft supervision of school A by 杭州市 (inspector_a)."""

    def make(target="A", actor="inspector_a", **kwargs):
        kwargs.setdefault("inspected_on", VISITED)
        return services.inspection_create(
            actor=personas[actor], target=tree[target], kind=InspectionKind.SUPERVISION, **kwargs
        )

    return make


@pytest.fixture
def submitted_supervision(supervision, personas):
    """A submitted supervision of school A: item 30 not met, item 34 partly met, the rest met."""

    def make(target="A", actor="inspector_a", **kwargs):
        inspection = supervision(target=target, actor=actor, **kwargs)
        answer_all(
            inspection,
            personas[actor],
            overrides={
                30: (Result.NOT_MET, "抽查档案，调查处理超过10日且无延期说明。"),
                34: (Result.PARTLY_MET, "专门教育方案学时记录不全。"),
            },
        )
        services.inspection_update(actor=personas[actor], inspection=inspection, summary="部分处置时限执行不严。")
        return services.inspection_submit(actor=personas[actor], inspection=inspection)

    return make


def school_items() -> int:
    return PolicyItem.objects.filter(edition__is_current=True, for_school=True).count()
