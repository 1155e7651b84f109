"""The one "today": statutory dates are counted in Asia/Shanghai, whatever the server's zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_local() -> dt.date:
    """Today in Asia/Shanghai, the day statutory periods are counted in."""
    return timezone.localdate(timezone=SHANGHAI)


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The Shanghai calendar day of a date or an (aware) datetime."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            return value.date()
        return timezone.localtime(value, SHANGHAI).date()
    return value
