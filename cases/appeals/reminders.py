"""The 15-day review deadline of appeals, registered with the reminder sweep: the county
office is reminded before the review is due, and the city office above is told (督办)
when it lapses."""

from collections.abc import Iterable
from datetime import date

from accounts.models import Role
from bullying.deadlines.reminders import DeadlineKind, OpenDeadline, register_deadline_kind
from cases.appeals.models import Appeal, AppealStatus


def _open_reviews() -> Iterable[OpenDeadline]:
    rows = Appeal.objects.filter(status=AppealStatus.REVIEWING, review_due__isnull=False).values_list(
        "pk", "number", "review_due", "county_id", "county__parent_id"
    )
    for pk, number, due, county_id, city_id in rows.iterator(chunk_size=5000):
        yield OpenDeadline(
            object_id=pk,
            due=due,
            unit_id=county_id,
            escalation_unit_id=city_id,
            subject=f"申诉 {number} 的复查",
            link=f"/cases/appeals/{pk}/",
        )


def _still_reviewing(ids: Iterable[int]) -> dict[int, date]:
    return dict(Appeal.objects.filter(pk__in=list(ids), status=AppealStatus.REVIEWING).values_list("pk", "review_due"))


REVIEW_DEADLINE = register_deadline_kind(
    DeadlineKind(
        code="appeal_review",
        label="复查期限（15日）",
        open_deadlines=_open_reviews,
        still_open=_still_reviewing,
        recipient_roles=frozenset({Role.COUNTY_OFFICER}),
        escalation_roles=frozenset({Role.CITY_OFFICER}),
    )
)
