"""The statutory clock: the official holiday calendar and how a period of days is counted.

The notices say "10日内" (investigation, item 30) and "15日内" (review, item 46) without
saying working days, so by default a period is counted as the Civil Code counts it
(《民法典》第二百零一条、第二百零三条): the start day is not counted, the period ends at
24:00 of its last day, and a last day that is a rest day moves to the next working day.
Some regions count working days instead; that is a per-region setting inherited down the
organisation tree (``rule_for``).

Only the exceptions to the plain week are stored (``CalendarDay``): statutory holidays
(also on weekdays) and make-up working days (调休上班, also on weekends). The State Council
publishes each year's schedule late in the previous year, so the system administrator
enters it here (``calendar_year_import``); a year that has not been entered is counted
with weekends only, and every explanation says so.

Features that keep open due dates register a recompute callable
(``register_deadline_source``); every change of the calendar or of a region's rule calls
them in the same transaction, so no stored due date is left stale.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bullying.audit.models import ACTION_LABELS
from bullying.deadlines.models import (
    WEEKDAY_NAMES,
    CalendarDay,
    CalendarYear,
    DayKind,
    DeadlineRule,
    RegionDeadlineSetting,
)
from bullying.errors import ApplicationError
from bullying.timeutil import SHANGHAI, local_date, today_local

# Years the calendar accepts at all; far outside them a date is a typo.
MIN_YEAR = 2000
MAX_YEAR = 2100


ACTION_LABELS.setdefault("calendar.changed", _("修改节假日安排"))
ACTION_LABELS.setdefault("deadline_rule.changed", _("修改期限计算规则"))


# ---------------------------------------------------------------------------------------
# Reading the calendar


class WorkCalendar:
    """A read-only snapshot of the stored calendar, loaded lazily.

    Exceptions are read two years at a time (one query covers a period that crosses New
    Year), the published years once. Make a new snapshot after a change; reuse one to
    recompute many due dates in a batch.
    """

    def __init__(self) -> None:
        self._days: dict[dt.date, tuple[str, str]] = {}
        self._loaded_years: set[int] = set()
        self._published: frozenset[int] | None = None

    def _ensure(self, year: int) -> None:
        if year in self._loaded_years:
            return
        years = [y for y in (year, year + 1) if y not in self._loaded_years and 1 <= y <= 9999]
        rows = CalendarDay.objects.filter(
            date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[-1], 12, 31)
        ).values_list("date", "kind", "name")
        for day, kind, name in rows:
            self._days[day] = (kind, name)
        self._loaded_years.update(years)

    @property
    def published_years(self) -> frozenset[int]:
        if self._published is None:
            self._published = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return self._published

    def is_published(self, year: int) -> bool:
        return year in self.published_years

    def exception(self, day: dt.date) -> tuple[str, str] | None:
        """``(kind, name)`` if the day is stored as an exception."""
        self._ensure(day.year)
        return self._days.get(day)

    def has_exceptions_in(self, year: int) -> bool:
        self._ensure(year)
        return any(day.year == year for day in self._days)

    def is_rest_day(self, day: dt.date) -> bool:
        exception = self.exception(day)
        if exception is not None:
            return exception[0] == DayKind.HOLIDAY
        return day.weekday() >= 5

    def rest_reason(self, day: dt.date) -> str:
        """Why a rest day is one: the holiday's name, or the day of the week."""
        exception = self.exception(day)
        if exception is not None and exception[0] == DayKind.HOLIDAY:
            return exception[1] or str(DayKind.HOLIDAY.label)
        return WEEKDAY_NAMES[day.weekday()]


def is_working_day(day: dt.date, *, calendar: WorkCalendar | None = None) -> bool:
    return not (calendar or WorkCalendar()).is_rest_day(day)


# ---------------------------------------------------------------------------------------
# Counting a period


@dataclass(frozen=True)
class DueDate:
    """The result of counting a period, with the steps a user reads to check it.

    ``due`` is the last day of the period; the period ends at 24:00 of that day in
    Asia/Shanghai (``ends_at``). ``unpublished_years`` lists years the count ran through
    whose official schedule is not entered yet: such a due date may move when it is.
    """

    due: dt.date
    rule: str
    start: dt.date
    days: int
    steps: list[str]
    unpublished_years: tuple[int, ...] = ()

    @property
    def rule_label(self) -> str:
        return str(DeadlineRule(self.rule).label)

    @property
    def ends_at(self) -> dt.datetime:
        """24:00 of the due day in Shanghai, as an aware datetime."""
        return dt.datetime.combine(self.due + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)

    @property
    def is_provisional(self) -> bool:
        return bool(self.unpublished_years)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return (today or today_local()) > self.due

    def explanation(self) -> str:
        return due_explanation(self)


def long_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAY_NAMES[day.weekday()]}）"


def _short(day: dt.date, *, year: int) -> str:
    if day.year != year:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.month}月{day.day}日"


# A period never needs to skip more rest days than this; more means broken data.
_MAX_WALK = 400


def compute_due(
    start: dt.date,
    days: int,
    rule: str = DeadlineRule.CALENDAR_DAYS,
    *,
    calendar: WorkCalendar | None = None,
) -> DueDate:
    """Count ``days`` from ``start`` under ``rule`` and explain how.

    Reads the stored calendar (two queries, or none with a warm ``calendar`` snapshot)
    and writes nothing. ``start`` may be an aware datetime: its Shanghai day is used.
    """
    start = local_date(start)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ApplicationError("期限天数必须是正整数。", field="days")
    try:
        rule = DeadlineRule(rule)
    except ValueError:
        raise ApplicationError(f"未知的期限计算规则：{rule}。", field="rule")
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise ApplicationError(f"起算日期超出 {MIN_YEAR}—{MAX_YEAR} 年的范围。", field="start")
    calendar = calendar or WorkCalendar()
    first = start + dt.timedelta(days=1)
    steps = [
        f"起算：{long_date(start)}开始，当日不计入（《民法典》第二百零一条），自{_short(first, year=start.year)}起算"
    ]
    if rule == DeadlineRule.CALENDAR_DAYS:
        due = _count_calendar_days(start, days, calendar, steps)
    else:
        due = _count_working_days(start, days, calendar, steps)
    unpublished = tuple(y for y in range(first.year, due.year + 1) if not calendar.is_published(y))
    for year in unpublished:
        note = f"{year}年：该年度节假日安排尚未录入，暂按周六、周日休息计算"
        if calendar.has_exceptions_in(year):
            note += "（已单独登记的日期照常计入）"
        steps.append(note + "，安排录入后将重新计算")
    return DueDate(due=due, rule=rule, start=start, days=days, steps=steps, unpublished_years=unpublished)


def _count_calendar_days(start: dt.date, days: int, calendar: WorkCalendar, steps: list[str]) -> dt.date:
    nominal = start + dt.timedelta(days=days)
    steps.append(f"期间{days}日，按自然日计算，第{days}日为{long_date(nominal)}")
    due = nominal
    for _step in range(_MAX_WALK):
        if not calendar.is_rest_day(due):
            break
        steps.append(f"{_short(due, year=start.year)} {calendar.rest_reason(due)} 休息，顺延")
        due += dt.timedelta(days=1)
    else:
        raise ApplicationError("节假日安排有误：连续休息日过多，无法计算期限。")
    if due != nominal:
        steps.append(
            "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日（《民法典》第二百零三条），"
            f"顺延至{long_date(due)}"
        )
    else:
        exception = calendar.exception(due)
        if exception is not None and exception[0] == DayKind.WORKDAY:
            steps.append(f"{_short(due, year=start.year)} 为{exception[1]}调休上班日，是工作日，不顺延")
    steps.append(f"届满：{long_date(due)}24时")
    return due


def _count_working_days(start: dt.date, days: int, calendar: WorkCalendar, steps: list[str]) -> dt.date:
    steps.append(f"期间{days}个工作日，按工作日计算：周六、周日和法定节假日不计入，调休上班日计入")
    counted = 0
    day = start
    # Consecutive rest days with the same reason are reported as one run.
    run: list[dt.date] = []
    run_reason = ""

    def close_run() -> None:
        if not run:
            return
        when = _short(run[0], year=start.year)
        if len(run) > 1:
            when += f"至{_short(run[-1], year=start.year)}"
        reason = run_reason
        if reason == "周末" and len(run) == 1:
            reason = WEEKDAY_NAMES[run[0].weekday()]
        steps.append(f"{when} {reason} 休息，不计入")
        run.clear()

    walked = 0
    while counted < days:
        walked += 1
        if walked > days + _MAX_WALK:
            raise ApplicationError("节假日安排有误：连续休息日过多，无法计算期限。")
        day += dt.timedelta(days=1)
        if calendar.is_rest_day(day):
            reason = calendar.rest_reason(day)
            if reason in WEEKDAY_NAMES[5:]:
                reason = "周末"
            if run and reason != run_reason:
                close_run()
            run.append(day)
            run_reason = reason
            continue
        close_run()
        counted += 1
        exception = calendar.exception(day)
        if exception is not None and exception[0] == DayKind.WORKDAY:
            steps.append(f"{_short(day, year=start.year)} {exception[1]}调休上班，计为第{counted}个工作日")
    steps.append(f"届满：第{days}个工作日为{long_date(day)}，期间于当日24时届满")
    return day


def due_explanation(due: DueDate) -> str:
    """One paragraph for pages: the rule, then the steps in order."""
    unit = "个工作日" if due.rule == DeadlineRule.WORKING_DAYS else "日"
    return f"{due.rule_label}（{due.days}{unit}）：" + "；".join(due.steps) + "。"


# ---------------------------------------------------------------------------------------
# Per-region rule


def rule_for(org_unit) -> DeadlineRule:
    """The rule set on the unit or its nearest ancestor; calendar days if none (one query)."""
    chain = [*org_unit.ancestor_ids(), org_unit.pk]
    found = dict(RegionDeadlineSetting.objects.filter(org_unit_id__in=chain).values_list("org_unit_id", "rule"))
    for pk in reversed(chain):
        if pk in found:
            return DeadlineRule(found[pk])
    return DeadlineRule.CALENDAR_DAYS


# ---------------------------------------------------------------------------------------
# Recomputing open deadlines

# A source is called as ``source(actor=…, reason=…, calendar=…)`` and returns how many
# due dates it changed. It recomputes its own open due dates (with ``compute_due`` and
# the given snapshot), saves them and records each change on its own timeline.
DeadlineSource = Callable[..., int]

_deadline_sources: list[DeadlineSource] = []


def register_deadline_source(source: DeadlineSource) -> DeadlineSource:
    """Register a recompute callable; call it from ``AppConfig.ready()``.

    Registering the same callable twice keeps one entry. Returns ``source``, so it also
    works as a decorator.
    """
    if source not in _deadline_sources:
        _deadline_sources.append(source)
    return source


def unregister_deadline_source(source: DeadlineSource) -> None:
    if source in _deadline_sources:
        _deadline_sources.remove(source)


def deadline_sources() -> tuple[DeadlineSource, ...]:
    return tuple(_deadline_sources)


def recompute_due_dates(
    queryset: Iterable[Any],
    *,
    start_field: str,
    due_field: str,
    steps_field: str,
    days: int | Callable[[Any], int],
    unit_of: Callable[[Any], Any],
    on_change: Callable[[Any, dt.date, DueDate], None],
    calendar: WorkCalendar | None = None,
) -> int:
    """Recount the open due dates of ``queryset`` (lock it with ``select_for_update``)
    and save those that moved; ``on_change(obj, old_due, due)`` records each change on
    the object's own timeline. Returns how many changed. The one loop every deadline
    source uses."""
    calendar = calendar or WorkCalendar()
    changed = 0
    for obj in queryset:
        count = days(obj) if callable(days) else days
        due = compute_due(getattr(obj, start_field), count, rule_for(unit_of(obj)), calendar=calendar)
        old = getattr(obj, due_field)
        if due.due == old:
            continue
        setattr(obj, due_field, due.due)
        setattr(obj, steps_field, list(due.steps))
        update = [due_field, steps_field]
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            update.append("updated_at")
        obj.save(update_fields=update)
        on_change(obj, old, due)
        changed += 1
    return changed


def recompute_open_deadlines(*, actor, reason: str) -> int:
    """Have every registered source recompute its open due dates; the number changed.

    Runs inside the caller's transaction: if a source fails, the calendar change that
    triggered it is rolled back too, so stored due dates never disagree with the calendar.
    """
    calendar = WorkCalendar()
    changed = 0
    with transaction.atomic():
        for source in deadline_sources():
            changed += int(source(actor=actor, reason=reason, calendar=calendar) or 0)
    return changed
