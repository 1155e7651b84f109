"""Reads of the kernel that depend on who asks: the calendar pages, the unread count,
the escalations (督办) an office sees."""

import datetime as dt

from django.db import models

from accounts.models import OFFICE_ROLES
from accounts.selectors import restrict
from bullying.deadlines.models import CalendarDay, CalendarYear, Escalation, Notification

# The offices a 督办 item is addressed to, and those above them that follow it.
ESCALATION_READER_ROLES = OFFICE_ROLES


def calendar_days_of_year(year: int) -> models.QuerySet[CalendarDay]:
    """The stored exceptions of one year, in date order (read by every signed-in user)."""
    return CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)).order_by("date")


def published_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def escalations_visible_to(user):
    """Open 督办 items addressed to an office in the caller's subtree."""
    return restrict(
        Escalation.objects.filter(resolved_at__isnull=True), user, via="escalation_unit", roles=ESCALATION_READER_ROLES
    ).select_related("unit", "escalation_unit")
