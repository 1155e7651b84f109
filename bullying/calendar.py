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
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bullying.audit import ACTION_LABELS, audit_record
from bullying.errors import ApplicationError

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Years the calendar accepts at all; far outside them a date is a typo.
MIN_YEAR = 2000
MAX_YEAR = 2100

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

ACTION_LABELS.setdefault("calendar.changed", _("修改节假日安排"))
ACTION_LABELS.setdefault("deadline_rule.changed", _("修改期限计算规则"))


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班")


class DeadlineRule(models.TextChoices):
    # 《民法典》第二百零一条、第二百零三条: the default for "N日内".
    CALENDAR_DAYS = "calendar_days", _("按自然日计算")
    WORKING_DAYS = "working_days", _("按工作日计算")


class CalendarDay(models.Model):
    """One exception to the plain week.

    ``holiday``: a rest day even on a weekday (法定节假日). ``workday``: a working day even
    on a weekend (调休上班). Every other weekday is a working day; Saturday and Sunday are
    rest days.
    """

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, help_text=_("节日名称，如“国庆节”。"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=DayKind.values), name="calendarday_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} {self.get_kind_display()}"

    @property
    def is_rest(self) -> bool:
        return self.kind == DayKind.HOLIDAY

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅通知) has been entered in full.

    Due dates in other years are still computed, with weekends and whatever single days
    are stored, and their explanation says the year's schedule is not yet entered.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class RegionDeadlineSetting(models.Model):
    """How periods are counted in a unit and, unless overridden lower, everything under it."""

    org_unit = models.OneToOneField(
        "accounts.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="deadline_setting",
    )
    rule = models.CharField(_("期限计算规则"), max_length=16, choices=DeadlineRule.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("期限计算规则")
        verbose_name_plural = _("期限计算规则")
        constraints = [
            models.CheckConstraint(condition=models.Q(rule__in=DeadlineRule.values), name="regiondeadline_rule_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.rule}"


# ---------------------------------------------------------------------------------------
# Time


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


def _long(day: dt.date) -> str:
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
    steps = [f"起算：{_long(start)}开始，当日不计入（《民法典》第二百零一条），自{_short(first, year=start.year)}起算"]
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
    steps.append(f"期间{days}日，按自然日计算，第{days}日为{_long(nominal)}")
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
            f"顺延至{_long(due)}"
        )
    else:
        exception = calendar.exception(due)
        if exception is not None and exception[0] == DayKind.WORKDAY:
            steps.append(f"{_short(due, year=start.year)} 为{exception[1]}调休上班日，是工作日，不顺延")
    steps.append(f"届满：{_long(due)}24时")
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
    steps.append(f"届满：第{days}个工作日为{_long(day)}，期间于当日24时届满")
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


def compute_due_for(*, org_unit, start: dt.date, days: int, calendar: WorkCalendar | None = None) -> DueDate:
    """``compute_due`` with the rule that applies to ``org_unit``."""
    return compute_due(start, days, rule_for(org_unit), calendar=calendar)


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


# ---------------------------------------------------------------------------------------
# Maintaining the calendar (services)


def _require_sysadmin(actor) -> None:
    from accounts.models import Role
    from accounts.selectors import has_role

    if actor is None or not has_role(actor, {Role.SYSADMIN}):
        raise ApplicationError("只有系统管理员可以维护节假日安排和期限计算规则。")


def _day_error(day: dt.date, kind: str, name: str) -> str | None:
    """Why this exception cannot be stored, or None."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return f"日期 {day:%Y-%m-%d} 超出 {MIN_YEAR}—{MAX_YEAR} 年的范围"
    if kind not in DayKind.values:
        return f"类型“{kind}”不正确，应为 holiday（法定节假日）或 workday（调休上班）"
    if not name:
        return "请填写节日名称（如“元旦”）"
    if len(name) > 64:
        return "节日名称不能超过 64 个字"
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        return f"{day:%Y-%m-%d} 是{WEEKDAY_NAMES[day.weekday()]}，本来就是工作日，无需登记为调休上班日"
    return None


def _describe(day: dt.date, kind: str, name: str) -> str:
    return f"{_long(day)}设为{DayKind(kind).label}（{name}）"


@transaction.atomic
def calendar_day_set(*, actor, date: dt.date, kind: str, name: str) -> CalendarDay:
    """Add or change one exception, then recompute open deadlines and audit it.

    Setting a day to what it already is changes nothing and recomputes nothing.
    """
    _require_sysadmin(actor)
    name = (name or "").strip()
    error = _day_error(date, kind, name)
    if error:
        raise ApplicationError(error + "。")
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = None
    if day is None:
        try:
            # A savepoint, so a concurrent insert of the same date surfaces as a message.
            with transaction.atomic():
                day = CalendarDay.objects.create(date=date, kind=kind, name=name, created_by=actor)
        except IntegrityError:
            raise ApplicationError("该日期刚被其他管理员登记，请刷新后重试。")
        op = "added"
    else:
        if day.kind == kind and day.name == name:
            return day
        before = {"kind": day.kind, "name": day.name}
        day.kind = kind
        day.name = name
        day.save(update_fields=["kind", "name", "updated_at"])
        op = "updated"
    recomputed = recompute_open_deadlines(actor=actor, reason=f"节假日安排调整：{_describe(date, kind, name)}")
    audit_record(
        action="calendar.changed",
        actor=actor,
        obj=day,
        detail={
            "op": op,
            "date": date.isoformat(),
            "kind": kind,
            "name": name,
            "before": before,
            "recomputed": recomputed,
        },
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor, date: dt.date) -> None:
    """Remove one exception (the day reverts to the plain week), recompute and audit."""
    _require_sysadmin(actor)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        raise ApplicationError(f"{date:%Y-%m-%d} 没有登记为节假日或调休上班日。")
    before = {"kind": day.kind, "name": day.name}
    pk = day.pk
    day.delete()
    recomputed = recompute_open_deadlines(
        actor=actor, reason=f"节假日安排调整：{_long(date)}恢复为{WEEKDAY_NAMES[date.weekday()]}的正常安排"
    )
    audit_record(
        action="calendar.changed",
        actor=actor,
        object_type=CalendarDay._meta.label_lower,
        object_id=str(pk),
        detail={"op": "deleted", "date": date.isoformat(), "before": before, "recomputed": recomputed},
    )


@dataclass(frozen=True)
class CalendarImportResult:
    year: int
    added: int
    updated: int
    removed: int
    recomputed: int


_KIND_WORDS = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "法定节假日": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
}


def parse_calendar_lines(text: str, *, year: int) -> list[tuple[dt.date, str, str]]:
    """Read lines ``日期,类型,名称`` (``2027-01-01,holiday,元旦``) for one year.

    Blank lines and lines starting with ``#`` are skipped; the separator may be a comma,
    a Chinese comma or a tab. Every bad line is reported by number in one error.
    """
    rows: list[tuple[dt.date, str, str]] = []
    errors: list[str] = []
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace("，", ",").replace("\t", ",").split(",")]
        if len(parts) != 3:
            errors.append(f"第{number}行“{line}”应为“日期,类型,名称”三项，如 {year}-01-01,holiday,元旦")
            continue
        raw_date, raw_kind, name = parts
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(f"第{number}行：日期“{raw_date}”不正确，应为 YYYY-MM-DD 格式的真实日期")
            continue
        kind = _KIND_WORDS.get(raw_kind.lower(), raw_kind)
        if day.year != year:
            errors.append(f"第{number}行：日期 {raw_date} 不属于 {year} 年")
            continue
        if day in seen:
            errors.append(f"第{number}行：日期 {raw_date} 与第{seen[day]}行重复")
            continue
        error = _day_error(day, kind, name)
        if error:
            errors.append(f"第{number}行：{error}")
            continue
        seen[day] = number
        rows.append((day, str(kind), name))
    if errors:
        shown = errors[:10]
        if len(errors) > 10:
            shown.append(f"另有 {len(errors) - 10} 行有误")
        raise ApplicationError("；".join(shown) + "。未写入任何数据。", field="lines")
    if not rows:
        raise ApplicationError("没有可录入的行。", field="lines")
    return rows


@transaction.atomic
def calendar_year_import(
    *, actor, year: int, text: str, replace: bool = False, source: str = ""
) -> CalendarImportResult:
    """Enter a year's whole official schedule from pasted lines and mark the year entered.

    The pasted lines become the year's complete list of exceptions. A year that already
    has exceptions is only replaced when ``replace`` is set. Any bad line refuses the
    whole paste: nothing is written.
    """
    _require_sysadmin(actor)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApplicationError(f"年度应在 {MIN_YEAR}—{MAX_YEAR} 之间。", field="year")
    rows = parse_calendar_lines(text, year=year)
    existing = {
        d.date: d
        for d in CalendarDay.objects.select_for_update().filter(
            date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
        )
    }
    if existing and not replace:
        raise ApplicationError(
            f"{year}年已登记 {len(existing)} 个日期。如要以本次录入整体替换，请勾选“替换该年度已有安排”。",
            field="replace",
        )
    added = updated = 0
    wanted = {day for day, _kind, _name in rows}
    removed_days = [d for day, d in existing.items() if day not in wanted]
    CalendarDay.objects.filter(pk__in=[d.pk for d in removed_days]).delete()
    for day, kind, name in rows:
        current = existing.get(day)
        if current is None:
            CalendarDay.objects.create(date=day, kind=kind, name=name, created_by=actor)
            added += 1
        elif (current.kind, current.name) != (kind, name):
            current.kind, current.name = kind, name
            current.save(update_fields=["kind", "name", "updated_at"])
            updated += 1
    CalendarYear.objects.update_or_create(
        year=year,
        defaults={"source": source[:200], "published_by": actor, "published_at": timezone.now()},
    )
    recomputed = recompute_open_deadlines(actor=actor, reason=f"录入{year}年节假日安排")
    audit_record(
        action="calendar.changed",
        actor=actor,
        object_type=CalendarYear._meta.label_lower,
        object_id=str(year),
        detail={
            "op": "year_imported",
            "year": year,
            "added": added,
            "updated": updated,
            "removed": len(removed_days),
            "recomputed": recomputed,
        },
    )
    return CalendarImportResult(
        year=year, added=added, updated=updated, removed=len(removed_days), recomputed=recomputed
    )


@transaction.atomic
def region_deadline_setting_set(*, actor, org_unit, rule: str | None) -> RegionDeadlineSetting | None:
    """Set how periods are counted in ``org_unit`` and below; ``None`` or "" inherits.

    Only a sysadmin whose scope covers the unit may do it. Open deadlines are recomputed.
    """
    from accounts.models import Role
    from accounts.selectors import units_in_scope

    _require_sysadmin(actor)
    if not units_in_scope(actor, roles={Role.SYSADMIN}).filter(pk=org_unit.pk).exists():
        raise ApplicationError("只能设置本单位及下级单位的期限计算规则。")
    if rule and rule not in DeadlineRule.values:
        raise ApplicationError(f"未知的期限计算规则：{rule}。", field="rule")
    current = RegionDeadlineSetting.objects.select_for_update().filter(org_unit=org_unit).first()
    before = current.rule if current else None
    if (before or "") == (rule or ""):
        return current
    if rule:
        setting, _created = RegionDeadlineSetting.objects.update_or_create(
            org_unit=org_unit, defaults={"rule": rule, "updated_by": actor}
        )
    else:
        RegionDeadlineSetting.objects.filter(org_unit=org_unit).delete()
        setting = None
    label = DeadlineRule(rule).label if rule else "继承上级单位"
    recomputed = recompute_open_deadlines(actor=actor, reason=f"{org_unit.name}期限计算规则改为{label}")
    audit_record(
        action="deadline_rule.changed",
        actor=actor,
        object_type=org_unit._meta.label_lower,
        object_id=str(org_unit.pk),
        detail={"rule": rule or None, "before": before, "recomputed": recomputed},
    )
    return setting


def calendar_days_of_year(year: int) -> models.QuerySet[CalendarDay]:
    """The stored exceptions of one year, in date order (read by every signed-in user)."""
    return CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)).order_by("date")


def published_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


__all__ = [
    "SHANGHAI",
    "CalendarDay",
    "CalendarImportResult",
    "CalendarYear",
    "DayKind",
    "DeadlineRule",
    "DueDate",
    "RegionDeadlineSetting",
    "WorkCalendar",
    "calendar_day_delete",
    "calendar_day_set",
    "calendar_days_of_year",
    "calendar_year_import",
    "compute_due",
    "compute_due_for",
    "deadline_sources",
    "due_explanation",
    "is_working_day",
    "local_date",
    "parse_calendar_lines",
    "published_years",
    "recompute_open_deadlines",
    "region_deadline_setting_set",
    "register_deadline_source",
    "rule_for",
    "today_local",
    "unregister_deadline_source",
]
