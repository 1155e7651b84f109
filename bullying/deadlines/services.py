"""Writes of the kernel that a person makes: the system administrator's edits of the
statutory calendar and of a region's counting rule. Each recomputes every open due date
in the same transaction and is audited. (Notifications and reminders are written by
``notifications`` and ``reminders``.)"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from bullying.audit.services import audit_record
from bullying.deadlines.calendar import MAX_YEAR, MIN_YEAR, long_date, recompute_open_deadlines
from bullying.deadlines.models import (
    WEEKDAY_NAMES,
    CalendarDay,
    CalendarYear,
    DayKind,
    DeadlineRule,
    RegionDeadlineSetting,
)
from bullying.errors import ApplicationError


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
    return f"{long_date(day)}设为{DayKind(kind).label}（{name}）"


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
        actor=actor, reason=f"节假日安排调整：{long_date(date)}恢复为{WEEKDAY_NAMES[date.weekday()]}的正常安排"
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
