"""Statistics periods: calendar years, months and the campaign dates.

A period is a value, not a row: its code says what it is (``2026``, ``2026-03``,
``2026-C1``) and the dates follow from the code and the settings (``reporting.conf``), so
every unit, page and export agrees on them without any table to keep in step.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from bullying.errors import ApplicationError
from reporting import conf


@dataclass(frozen=True)
class Period:
    code: str
    label: str
    kind: str  # "year" | "month" | "campaign"
    start: date
    end: date  # cut-off day, inclusive
    due: date  # the table is due by the end of this day

    def is_over(self, today: date) -> bool:
        """The table may be submitted from the cut-off day on."""
        return today >= self.end


def _month(year: int, month: int) -> Period:
    last = monthrange(year, month)[1]
    end = date(year, month, last)
    due_day = conf.monthly_due_day()
    nxt = end + timedelta(days=1)
    due = date(nxt.year, nxt.month, min(due_day, monthrange(nxt.year, nxt.month)[1]))
    return Period(f"{year}-{month:02d}", f"{year}年{month}月", "month", date(year, month, 1), end, due)


def _md(year: int, value: str) -> date:
    month, day = (int(x) for x in value.split("-"))
    return date(year, month, day)


def _campaigns(year: int) -> list[Period]:
    periods = []
    start = date(year, 1, 1)
    for i, (cutoff, due, label) in enumerate(conf.campaign_dates(), start=1):
        end = _md(year, cutoff)
        periods.append(
            Period(
                f"{year}-C{i}",
                f"{year}年专项行动·{label}（截至{end.month}月{end.day}日）",
                "campaign",
                start,
                end,
                _md(year, due),
            )
        )
        start = end + timedelta(days=1)
    return periods


def _year(year: int) -> Period:
    return Period(str(year), f"{year}年度", "year", date(year, 1, 1), date(year, 12, 31), date(year + 1, 1, 15))


def period_by_code(code: str) -> Period:
    """The period a code names; a malformed or unknown code is a clear 400."""
    code = (code or "").strip()
    try:
        if len(code) == 4 and code.isdigit():
            return _year(int(code))
        year_part, _, rest = code.partition("-")
        year = int(year_part)
        if not 2000 <= year <= 2100:
            raise ValueError
        if rest.startswith("C"):
            index = int(rest[1:])
            campaigns = _campaigns(year)
            if not 1 <= index <= len(campaigns):
                raise ValueError
            return campaigns[index - 1]
        month = int(rest)
        if not 1 <= month <= 12 or len(rest) != 2:
            raise ValueError
        return _month(year, month)
    except (ValueError, IndexError):
        raise ApplicationError(f"统计期“{code[:20]}”无效，应为 2026、2026-03 或 2026-C1 的形式。", field="period")


def recent_periods(today: date, *, months: int = 12) -> list[Period]:
    """Periods to offer in a picker: the campaign dates of this and last year, the last
    ``months`` months and the current and last year, newest first."""
    found: dict[str, Period] = {}
    y, m = today.year, today.month
    for _ in range(months):
        found.setdefault(f"{y}-{m:02d}", _month(y, m))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    for year in (today.year, today.year - 1):
        for p in _campaigns(year):
            found[p.code] = p
        found[str(year)] = _year(year)
    return sorted(found.values(), key=lambda p: (p.end, p.kind != "campaign"), reverse=True)


def latest_closed_period(today: date) -> Period:
    """The most recent month or campaign period whose cut-off has come."""
    candidates = [p for p in recent_periods(today) if p.kind != "year" and p.is_over(today)]
    return candidates[0]
