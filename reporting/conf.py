"""Reporting rules that a region may tune, with the defaults the notices imply.

Override any part in the Django settings, e.g.::

    REPORTING_TIME_LIMITS = {"report": {"follow_up": 48}, "acknowledge": {"province": 48}}

Limits are elapsed hours, not working days: a serious incident must be reported within
24 hours whatever the weekday (任务四：重大事件“第一时间”报告). A step recorded only as a
date (a determination, a closing) counts as happening at the end of that day, the reading
most favourable to the unit, since the hour was not recorded.
"""

from datetime import datetime, time, timedelta

from django.conf import settings

from bullying.timeutil import SHANGHAI

DEFAULT_TIME_LIMITS = {
    # Hours after the step that makes the report due (school → county).
    "report": {
        "initial": 24,  # after a serious / severe / criminal determination
        "follow_up": 72,  # after a change of the case since the last report (续报)
        "final": 7 * 24,  # after the case is closed
    },
    # Hours each office has to sign for (签收) a report after it arrives.
    "acknowledge": {"county": 24, "city": 24, "province": 24},
    # Hours each office has, after signing, to pass on a report the rules send higher.
    "forward": {"county": 24, "city": 24, "province": 24},
}

# Cases whose determination obliges an initial report (任务四：严重欺凌事件报告).
DEFAULT_REPORTABLE_SEVERITIES = ("serious", "severe", "criminal")

# Which reports an office must forward to the office above, by the office's level.
# A report flagged as being of wide public concern (舆论高度关注) always goes up, from the
# province to the Ministry's department in charge.
DEFAULT_FORWARD_SEVERITIES = {
    "county": ("serious", "severe", "criminal"),
    "city": ("serious", "severe", "criminal"),
    "province": (),
}

# Timeline entries that change a reported case and so call for a follow-up (续报).
DEFAULT_FOLLOW_UP_TRIGGERS = ("determined", "measure_added", "appeal_decided", "reopened_by_review")

# Channels through which an incident reaches the authorities other than the school's own
# report: a case coming this way, or one appealed, before any school report is flagged as
# possibly concealed (瞒报).
DEFAULT_CONCEALMENT_SOURCES = ("police", "referral", "petition")

# Campaign statistics dates (教基厅函〔2021〕5号): (cut-off, due, label), month-day strings.
DEFAULT_CAMPAIGN_DATES = (
    ("03-15", "03-20", "部署摸底"),
    ("06-15", "06-20", "集中整治"),
    ("07-10", "07-15", "督导检查"),
)
# Monthly tables are due on this day of the following month.
DEFAULT_MONTHLY_DUE_DAY = 5


def _setting(name: str, default):
    return getattr(settings, name, default)


def time_limits() -> dict:
    custom = _setting("REPORTING_TIME_LIMITS", {}) or {}
    merged = {}
    for key, defaults in DEFAULT_TIME_LIMITS.items():
        merged[key] = {**defaults, **(custom.get(key) or {})}
    for key, values in merged.items():
        for sub, hours in values.items():
            if not isinstance(hours, int | float) or hours <= 0:
                raise ValueError(f"REPORTING_TIME_LIMITS[{key!r}][{sub!r}] must be a positive number of hours")
    return merged


def report_hours(kind: str) -> float:
    return time_limits()["report"][kind]


def acknowledge_hours(level: str) -> float:
    return time_limits()["acknowledge"].get(level, 24)


def forward_hours(level: str) -> float:
    return time_limits()["forward"].get(level, 24)


def reportable_severities() -> tuple[str, ...]:
    return tuple(_setting("REPORTING_REPORTABLE_SEVERITIES", DEFAULT_REPORTABLE_SEVERITIES))


def forward_severities(level: str) -> tuple[str, ...]:
    rules = {**DEFAULT_FORWARD_SEVERITIES, **(_setting("REPORTING_FORWARD_SEVERITIES", {}) or {})}
    return tuple(rules.get(level, ()))


def must_forward(*, level: str, severity: str, public_concern: bool) -> bool:
    """Whether an office at ``level`` must pass this report on to the office above."""
    return public_concern or severity in forward_severities(level)


def follow_up_triggers() -> tuple[str, ...]:
    return tuple(_setting("REPORTING_FOLLOW_UP_TRIGGERS", DEFAULT_FOLLOW_UP_TRIGGERS))


def concealment_sources() -> tuple[str, ...]:
    return tuple(_setting("REPORTING_CONCEALMENT_SOURCES", DEFAULT_CONCEALMENT_SOURCES))


def campaign_dates() -> tuple[tuple[str, str, str], ...]:
    return tuple(_setting("REPORTING_CAMPAIGN_DATES", DEFAULT_CAMPAIGN_DATES))


def monthly_due_day() -> int:
    return int(_setting("REPORTING_MONTHLY_DUE_DAY", DEFAULT_MONTHLY_DUE_DAY))


# ---------------------------------------------------------------------------------------
# Time arithmetic shared by the services (one report) and the selectors (all cases at once)


def end_of_day(day) -> datetime:
    """24:00 of ``day`` in Shanghai, i.e. the start of the next day."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def due_after_day(day, hours: float) -> datetime:
    """The limit for a step recorded only as a date: counted from the end of that day."""
    return end_of_day(day) + timedelta(hours=hours)


def last_lapsed_day(now: datetime, hours: float):
    """The latest date ``d`` whose limit ``due_after_day(d, hours)`` has passed at ``now``.

    Lets a query ask "trigger date <= X" instead of computing a deadline per row.
    """
    cutoff = now.astimezone(SHANGHAI) - timedelta(hours=hours)
    day = cutoff.date()
    # due_after_day(d) = start of d+1 + hours < now  ⇔  start of d+1 < cutoff
    if datetime.combine(day, time.min, tzinfo=SHANGHAI) < cutoff:
        return day - timedelta(days=1)
    return day - timedelta(days=2)
