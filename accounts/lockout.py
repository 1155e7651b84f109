"""Per-username login lockout.

Rule: ``LOGIN_FAILURE_LIMIT`` (5) failures within ``LOGIN_FAILURE_WINDOW`` (15 minutes)
lock the username for ``LOGIN_LOCKOUT_DURATION`` (30 minutes) from the failure that
reached the limit. Failures while locked are audited but not counted, so hammering a
locked account never extends its lockout. Keyed on the username only: a whole school
behind one NAT address must never be locked out by one pupil guessing passwords.
"""

from datetime import datetime

from django.conf import settings

from accounts.models import LoginFailure


def locked_until(username: str, *, now: datetime) -> datetime | None:
    """When the username's lockout ends, or ``None`` if it is not locked at ``now``."""
    limit = settings.LOGIN_FAILURE_LIMIT
    window = settings.LOGIN_FAILURE_WINDOW
    duration = settings.LOGIN_LOCKOUT_DURATION
    times = list(
        LoginFailure.objects.filter(username=username, at__gt=now - window - duration)
        .order_by("at")
        .values_list("at", flat=True)
    )
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            until = times[i] + duration
            if until > now:
                return until
    return None


def record_failure(username: str, *, now: datetime, ip: str | None) -> None:
    LoginFailure.objects.create(username=username, at=now, ip=ip)


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username).delete()
