"""Rectification deadlines (整改期限), registered with the reminder sweep.

The responsible unit is reminded before and on the due day; once overdue, the office that
raised the rectification sees it as a 督办 item.
"""

from collections.abc import Iterable
from datetime import date

from accounts.models import OFFICE_ROLES, Role
from bullying.reminders import DeadlineKind, OpenDeadline, register_deadline_kind
from inspections.models import Rectification, RectificationStatus


def _open_rectifications() -> Iterable[OpenDeadline]:
    rows = Rectification.objects.filter(status=RectificationStatus.OPEN).values_list(
        "pk", "due_on", "unit_id", "unit__parent_id", "inspection__office_id", "result__item__number"
    )
    for pk, due, unit_id, parent_id, office_id, number in rows.iterator(chunk_size=5000):
        yield OpenDeadline(
            object_id=pk,
            due=due,
            unit_id=unit_id,
            # A self-check's rectification is watched by the office above the unit.
            escalation_unit_id=office_id if office_id != unit_id else parent_id,
            subject=f"政策清单第{number}项整改",
            link=f"/inspections/rectifications/{pk}/",
        )


def _still_open(ids: Iterable[int]) -> dict[int, date]:
    return dict(
        Rectification.objects.filter(pk__in=list(ids), status=RectificationStatus.OPEN).values_list("pk", "due_on")
    )


RECTIFICATION_DEADLINE = register_deadline_kind(
    DeadlineKind(
        code="inspection_rectification",
        label="整改期限",
        open_deadlines=_open_rectifications,
        still_open=_still_open,
        recipient_roles=frozenset({Role.COMMITTEE_CHAIR}) | OFFICE_ROLES,
        escalation_roles=frozenset({Role.INSPECTOR}) | OFFICE_ROLES,
    )
)
