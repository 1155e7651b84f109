"""The dashboard's figures as labelled tables, one definition shared by the page, the
API, the statistics table (基本情况统计表), the Excel export and the PDF summary, so that
every output says the same thing in the same words."""

from __future__ import annotations

from datetime import datetime

from accounts.models import Level, OrgUnit, User
from cases.models import Form, Severity, Source, Status
from reporting import selectors
from reporting.models import ReportKind
from reporting.periods import Period
from reporting.selectors import Dashboard

try:
    from cases.appeals.models import AppealStatus
except ImportError:  # pragma: no cover
    AppealStatus = None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def choice_rows(d: dict, prefix: str, choices) -> list[tuple[str, str, int]]:
    """[(code, label, count)] for one breakdown, in the choices' order."""
    return [(value, str(label), d.get(f"{prefix}_{value}", 0)) for value, label in choices]


def summary_sections(d: Dashboard) -> list[dict]:
    """The unit's own figures as titled sections of (label, value) rows."""
    c, r, h = d.cases, d.reports, d.hops
    sections = [
        {
            "key": "cases",
            "title": "事件总体情况",
            "rows": [
                ("受理事件", c["total"]),
                ("办理中", c["open"]),
                ("认定构成欺凌", c["bullying"]),
                ("认定不构成欺凌", c["not_bullying"]),
                ("情节严重及以上（须报告）", c["reportable"]),
                ("复查改变认定", c["reopened"]),
            ],
        },
        {
            "key": "status",
            "title": "办理状态",
            "rows": [(label, n) for _, label, n in choice_rows(c, "status", Status.choices)],
        },
        {
            "key": "severity",
            "title": "严重程度",
            "rows": [(label, n) for _, label, n in choice_rows(c, "severity", Severity.choices)],
        },
        {
            "key": "form",
            "title": "欺凌形式",
            "rows": [(label, n) for _, label, n in choice_rows(c, "form", Form.choices)],
        },
        {
            "key": "source",
            "title": "线索来源",
            "rows": [(label, n) for _, label, n in choice_rows(c, "source", Source.choices)],
        },
        {
            "key": "investigations",
            "title": "调查处理时效（10日）",
            "rows": [
                ("已启动调查", c["investigations"]),
                ("按期认定", c["on_time"]),
                ("超期认定", c["late"]),
                ("调查中已超期", c["overdue"]),
                ("超期率", _pct(d.overdue_rate)),
            ],
        },
        {
            "key": "reports",
            "title": "事件报告时效",
            "rows": [
                ("报送报告", r["reports"]),
                *[(f"其中{label}", r.get(f"kind_{value}", 0)) for value, label in ReportKind.choices],
                ("迟报", r["late_reports"]),
                ("迟报率", _pct(d.late_report_rate)),
                ("漏报首报", c["missing_initial"]),
                ("应续报未续报", c["follow_up_overdue"]),
                ("漏报终报", c["missing_final"]),
                ("疑似瞒报", c["possibly_concealed"]),
                ("舆论高度关注", r["concern"]),
                ("各级收到报告", h["received"]),
                ("签收超时", h["ack_late"]),
                ("待签收", h["ack_pending"]),
                ("应转报未转报（超时）", h["forward_overdue"]),
            ],
        },
    ]
    if d.appeals is not None and AppealStatus is not None:
        a = d.appeals
        sections.append(
            {
                "key": "appeals",
                "title": "申诉与复查",
                "rows": [
                    ("收到申诉", a["total"]),
                    *[(label, n) for _, label, n in choice_rows(a, "status", AppealStatus.choices)],
                    ("维持学校认定", a["upheld"]),
                    ("改变学校认定", a["decision_changed"]),
                    ("复查已超期", a["review_overdue"]),
                    ("超期作出复查决定", a["decided_late"]),
                ],
            }
        )
    return sections


LEAGUE_COLUMNS = [
    ("unit", "单位"),
    ("total", "事件数"),
    ("open", "办理中"),
    ("overdue", "调查超期"),
    ("late", "超期认定"),
    ("overdue_rate", "超期率"),
    ("reportable", "严重及以上"),
    ("reports", "报告数"),
    ("late_reports", "迟报"),
    ("late_report_rate", "迟报率"),
    ("missing_reports", "漏报"),
    ("possibly_concealed", "疑似瞒报"),
    ("ack_late", "签收超时"),
    ("appeals", "申诉"),
    ("overturned", "改变认定"),
]


def league_rows(d: Dashboard) -> list[dict]:
    """One row per child unit, worst first, with the raw values of ``LEAGUE_COLUMNS``."""
    rows = []
    for row in d.league():
        rows.append(
            {
                "unit": row.unit,
                "total": row.cases["total"],
                "open": row.cases["open"],
                "overdue": row.cases["overdue"],
                "late": row.cases["late"],
                "overdue_rate": row.overdue_rate,
                "reportable": row.cases["reportable"],
                "reports": row.reports["reports"],
                "late_reports": row.reports["late_reports"],
                "late_report_rate": row.late_report_rate,
                "missing_reports": row.missing_reports,
                "possibly_concealed": row.cases["possibly_concealed"],
                "ack_late": row.hops["ack_late"],
                "appeals": row.appeals.get("total", 0),
                "overturned": row.appeals.get("decision_changed", 0),
                "is_school": row.unit.level == Level.SCHOOL,
            }
        )
    return rows


def chart_data(d: Dashboard, trend: list[dict], grades: list[dict]) -> dict:
    """What the page's charts draw (read by static/js/dashboard.js from a JSON island)."""
    c = d.cases
    data = {
        "trend": trend,
        "severity": [{"name": label, "value": n} for _, label, n in choice_rows(c, "severity", Severity.choices)],
        "form": [{"name": label, "value": n} for _, label, n in choice_rows(c, "form", Form.choices)],
        "source": [{"name": label, "value": n} for _, label, n in choice_rows(c, "source", Source.choices)],
        "status": [{"name": label, "value": n} for _, label, n in choice_rows(c, "status", Status.choices)],
        "grade": grades,
        "investigations": [
            {"name": "按期认定", "value": c["on_time"]},
            {"name": "超期认定", "value": c["late"]},
            {"name": "调查中已超期", "value": c["overdue"]},
        ],
        "reports": [
            {
                "name": str(label),
                "on_time": d.reports.get(f"kind_{value}", 0) - d.reports.get(f"late_{value}", 0),
                "late": d.reports.get(f"late_{value}", 0),
            }
            for value, label in ReportKind.choices
        ],
        "children": [
            {"name": row.unit.name, "total": row.cases["total"], "overdue": row.cases["overdue"] + row.cases["late"]}
            for row in d.children
        ],
    }
    if d.appeals is not None:
        a = d.appeals
        data["appeals"] = [
            {"name": "维持学校认定", "value": a["upheld"]},
            {"name": "改变学校认定", "value": a["decision_changed"]},
            {"name": "不予受理", "value": a.get("status_not_accepted", 0)},
            {"name": "办理中", "value": a.get("status_received", 0) + a.get("status_reviewing", 0)},
        ]
    return data


def stat_figures(user: User, unit: OrgUnit, period: Period, *, now: datetime) -> dict:
    """The statistics table of ``unit`` for ``period`` as ``user`` sees it (the same
    figures as their dashboard), as stored with a submission by the unit itself."""
    d = selectors.dashboard(user, unit, now=now, period=period)
    return {
        "unit": unit.name,
        "period": period.code,
        "computed_at": now.isoformat(),
        "sections": [
            {"title": s["title"], "rows": [[label, value] for label, value in s["rows"]]} for s in summary_sections(d)
        ],
    }
