"""Case fixtures: a frozen "today", cases opened through the real services, and a
helper that walks a case through the lifecycle with past ``on`` dates (as cases/demo.py).

Time line used by every test (2026 official calendar, all before "today")::

    11-02 Mon  reported          11-11 Wed  first measure (handling)
    11-05 Thu  investigation     11-13 Fri  follow-up starts
               → due 11-16 Mon   11-16 Mon  an observation is recorded
    11-10 Tue  determined        11-18 Wed  closed
    11-20 Fri  "today" (``frozen_today`` of tests/conftest.py)
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Membership, Role
from bullying.audit.models import AuditEvent
from cases import services
from cases.models import Case, MeasureKind, PartyRole, Status, TimelineEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 20)
TOMORROW = date(2026, 11, 21)

REPORTED_ON = date(2026, 11, 2)
STARTED_ON = date(2026, 11, 5)
DUE_ON = date(2026, 11, 16)  # 11-15 is a Sunday → the next working day (民法典第二百零三条)
DETERMINED_ON = date(2026, 11, 10)
HANDLED_ON = date(2026, 11, 11)
FOLLOW_UP_ON = date(2026, 11, 13)
OBSERVED_ON = date(2026, 11, 16)
CLOSED_ON = date(2026, 11, 18)

# Canary names: distinctive enough that finding one anywhere means a child's name leaked.
VICTIM = "龚晓蕾"
PERPETRATOR = "韦大鹏"
WITNESS = "俞小溪"
CANARIES = (VICTIM, PERPETRATOR, WITNESS)
VICTIM_NO = "G330106201401019876"

ORDER = [Status.REPORTED, Status.INVESTIGATING, Status.DETERMINED, Status.HANDLING, Status.FOLLOW_UP, Status.CLOSED]


def default_parties() -> list[dict]:
    return [
        {
            "role": PartyRole.VICTIM,
            "name": VICTIM,
            "student_no": VICTIM_NO,
            "grade": "五年级",
            "class_name": "2班",
        },
        {
            "role": PartyRole.PERPETRATOR,
            "name": PERPETRATOR,
            "student_no": "G330106201312128888",
            "grade": "五年级",
            "class_name": "3班",
        },
        {"role": PartyRole.WITNESS, "name": WITNESS, "grade": "五年级", "class_name": "2班"},
    ]


def snapshot(case: Case) -> dict:
    """What a refused write must leave untouched, re-read from the database."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "status": fresh.status,
        "last_step_on": fresh.last_step_on,
        "updated_at": fresh.updated_at,
        "timeline": TimelineEntry.objects.filter(case=case).count(),
        "determinations": fresh.determinations.count(),
        "measures": fresh.measures.count(),
        "notices": fresh.parent_notices.count(),
        "follow_ups": fresh.follow_ups.count(),
    }


def leaked_names(text) -> list[str]:
    return [name for name in CANARIES if name in str(text)]


def chair_of(school):
    return Membership.objects.filter(org_unit=school, role=Role.COMMITTEE_CHAIR).select_related("user").first().user


@pytest.fixture
def open_case(tree, personas, frozen_today):
    """``open_case()`` → a case of school A, reported on 11-02 by its chair, with the
    canary parties. Keyword arguments override ``case_open``'s."""

    def make(*, school: str = "A", actor: str | None = None, **overrides) -> Case:
        unit = tree[school]
        user = personas[actor] if actor else chair_of(unit)
        on = overrides.pop("on", REPORTED_ON)
        kwargs = {
            "occurred_at": datetime(on.year, on.month, on.day, 10, 20, tzinfo=SHANGHAI),
            "location": "教学楼三楼走廊",
            "source": "staff",
            "forms": ["verbal", "exclusion"],
            "summary": "课间多名同学围住受害学生起侮辱性绰号，并号召其他同学孤立该生。",
            "parties": default_parties(),
        }
        kwargs.update(overrides)
        return services.case_open(actor=user, school=unit, on=on, **kwargs)

    return make


@pytest.fixture
def walk(personas):
    """``walk(case, "follow_up")`` → the case moved by its school's chair to that status
    through the real services, with the dates above. Bullying cases get every measure
    ``case_start_follow_up`` needs; ``is_bullying=False`` closes from ``determined``."""

    def go(case: Case, to: str, *, severity: str = "minor", is_bullying: bool = True) -> Case:
        chair = chair_of(case.school)
        target = ORDER.index(to)
        case.refresh_from_db()
        if case.status == Status.REPORTED and target >= 1:
            services.case_start_investigation(actor=chair, case=case, on=STARTED_ON)
            case.refresh_from_db()
        if case.status == Status.INVESTIGATING and target >= 2:
            services.case_determine(
                actor=chair,
                case=case,
                is_bullying=is_bullying,
                severity=severity if is_bullying else "",
                reasoning="经委员会调查取证、听取双方及证人陈述，认定该行为系故意实施，造成身心伤害。",
                on=DETERMINED_ON,
            )
            case.refresh_from_db()
        if not is_bullying:
            if target == ORDER.index(Status.CLOSED):
                services.case_close(actor=chair, case=case, summary="不构成欺凌，已进行安全教育。", on=DETERMINED_ON)
            case.refresh_from_db()
            return case
        if case.status == Status.DETERMINED and target >= 3:
            for perpetrator in case.parties.filter(role=PartyRole.PERPETRATOR):
                services.case_add_measure(
                    actor=chair,
                    case=case,
                    kind=MeasureKind.EDUCATION_PLAN,
                    party=perpetrator,
                    responsible="德育主任",
                    planned_hours=16,
                    on=HANDLED_ON,
                )
            if severity == "criminal":
                services.case_add_measure(
                    actor=chair, case=case, kind=MeasureKind.POLICE_REFERRAL, responsible="校长", on=HANDLED_ON
                )
            case.refresh_from_db()
        if case.status == Status.HANDLING and target >= 4:
            services.case_start_follow_up(actor=chair, case=case, on=FOLLOW_UP_ON)
            services.case_add_follow_up(actor=chair, case=case, note="双方关系缓和，情绪稳定。", on=OBSERVED_ON)
            case.refresh_from_db()
        if case.status == Status.FOLLOW_UP and target >= 5:
            services.case_close(actor=chair, case=case, summary="措施落实到位，结案归档。", on=CLOSED_ON)
            case.refresh_from_db()
        assert case.status == to
        return case

    return go


@pytest.fixture
def audit_count():
    """``audit_count(action="case.read")`` → how many audit rows match right now."""

    def count(**filters) -> int:
        return AuditEvent.objects.filter(**filters).count()

    return count
