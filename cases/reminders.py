"""The 10-day investigation deadline, registered with the reminder sweep."""

from collections.abc import Iterable
from datetime import date

from accounts.models import COMMITTEE_ROLES, Role
from bullying.deadlines.reminders import DeadlineKind, OpenDeadline, register_deadline_kind
from cases.models import Case, Status


def _open_investigations() -> Iterable[OpenDeadline]:
    rows = Case.objects.filter(status=Status.INVESTIGATING, investigation_due__isnull=False).values_list(
        "pk", "number", "investigation_due", "school_id", "school__parent_id"
    )
    for pk, number, due, school_id, county_id in rows.iterator(chunk_size=5000):
        yield OpenDeadline(
            object_id=pk,
            due=due,
            unit_id=school_id,
            escalation_unit_id=county_id,
            subject=f"欺凌事件 {number} 的调查处理",
            link=f"/cases/{pk}/",
        )


def _still_investigating(ids: Iterable[int]) -> dict[int, date]:
    return dict(
        Case.objects.filter(pk__in=list(ids), status=Status.INVESTIGATING).values_list("pk", "investigation_due")
    )


INVESTIGATION_DEADLINE = register_deadline_kind(
    DeadlineKind(
        code="case_investigation",
        label="调查处理期限（10日）",
        open_deadlines=_open_investigations,
        still_open=_still_investigating,
        recipient_roles=frozenset(COMMITTEE_ROLES),
        escalation_roles=frozenset({Role.COUNTY_OFFICER}),
    )
)
