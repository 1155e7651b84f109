"""The printable summary of a unit for a period (PDF), with server-drawn SVG charts.

Laid out by the portal's one PDF renderer and house stylesheet (``bullying.pdf``), so every
printed document of the portal shares one typeface (Noto CJK) and one official style.
The summary holds figures only: no names, no incident content.
"""

from __future__ import annotations

from datetime import datetime
from itertools import zip_longest

from django.utils import timezone

from accounts.models import OrgUnit, User
from bullying.pdf import render_pdf
from bullying.timeutil import local_date
from cases.models import Form, Severity
from reporting import conf, selectors
from reporting.charts import hbar_chart
from reporting.models import ReportKind
from reporting.periods import Period
from reporting.tables import choice_rows, league_rows, summary_sections


def _span(hours: float) -> str:
    hours = int(hours) if float(hours).is_integer() else hours
    return f"{hours // 24}日" if isinstance(hours, int) and hours >= 48 and hours % 24 == 0 else f"{hours}小时"


def _limit_labels() -> dict:
    """The configured time limits as officials write them (24小时, 7日)."""
    limits = conf.time_limits()
    return {group: {key: _span(h) for key, h in values.items()} for group, values in limits.items()}


def _pairs(rows: list) -> list[tuple]:
    """Rows laid out two to a line (项目 数值 项目 数值) to keep the summary short."""
    half = (len(rows) + 1) // 2
    return list(zip_longest(rows[:half], rows[half:]))


def summary_pdf(*, unit: OrgUnit, period: Period, viewer: User, now: datetime) -> bytes:
    d = selectors.dashboard(viewer, unit, now=now, period=period)
    today = local_date(now)
    charts = {
        "form": hbar_chart([(label, [n]) for _, label, n in choice_rows(d.cases, "form", Form.choices)]),
        "severity": hbar_chart([(label, [n]) for _, label, n in choice_rows(d.cases, "severity", Severity.choices)]),
        "reports": hbar_chart(
            [
                (
                    str(label),
                    [
                        d.reports.get(f"kind_{value}", 0) - d.reports.get(f"late_{value}", 0),
                        d.reports.get(f"late_{value}", 0),
                    ],
                )
                for value, label in ReportKind.choices
            ],
            series=["按时报送", "迟报"],
        ),
    }
    if d.children:
        charts["children"] = hbar_chart(
            [(row.unit.name, [row.cases["total"], row.cases["overdue"] + row.cases["late"]]) for row in d.children],
            series=["受理事件", "调查超期"],
        )
    local_now = timezone.localtime(now)
    context = {
        "unit": unit,
        "period": period,
        "d": d,
        "sections": [{**s, "pairs": _pairs(s["rows"])} for s in summary_sections(d)],
        "league": league_rows(d),
        "completeness": selectors.stat_completeness(unit, period, today=today) if d.children else [],
        "stat_return": selectors.stat_return_of(unit, period),
        "charts": charts,
        "printed_at": local_now,
        "printed_by": viewer.display_name,
        "limits": _limit_labels(),
    }
    return render_pdf("reporting/pdf/summary.html", context)
