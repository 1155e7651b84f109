"""Excel exports of the dashboard and of the statistics completeness (openpyxl).

Every table of the dashboard page becomes a sheet with Chinese headers; the unit and the
period are written above each table. Lists carry case and report numbers, never names.
"""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook

from bullying.excel import new_workbook, workbook_bytes, write_sheet
from reporting.selectors import Completeness, Dashboard, DashboardLists
from reporting.tables import LEAGUE_COLUMNS, league_rows, summary_sections


def _sheet(wb: Workbook, title: str, caption: str, headers: list[str], rows: list[list]) -> None:
    write_sheet(wb, title=title, caption=caption, columns=headers, rows=rows)


def _caption(d: Dashboard, what: str) -> str:
    period = d.period.label if d.period else "全部数据"
    return f"{d.unit.name} · {what}（{period}；导出时间 {timezone.localtime(d.now):%Y-%m-%d %H:%M}）"


def _rate(value) -> str:
    return "" if value is None else f"{value:.1f}%"


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _dt(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def dashboard_workbook(d: Dashboard, *, trend: list[dict], grades: list[dict], lists: DashboardLists) -> bytes:
    wb = new_workbook()
    for section in summary_sections(d):
        _sheet(
            wb, section["title"], _caption(d, section["title"]), ["项目", "数值"], [list(r) for r in section["rows"]]
        )
    league = league_rows(d)
    _sheet(
        wb,
        "下级单位排名",
        _caption(d, "下级单位排名（按超期率、迟报率排序）"),
        [label for _, label in LEAGUE_COLUMNS],
        [
            [
                row["unit"].name if key == "unit" else _rate(row[key]) if key.endswith("rate") else row[key]
                for key, _ in LEAGUE_COLUMNS
            ]
            for row in league
        ],
    )
    _sheet(
        wb,
        "月度趋势",
        _caption(d, "近12个月受理事件"),
        ["月份", "受理事件", "认定欺凌", "严重及以上"],
        [[t["month"], t["total"], t["bullying"], t["serious"]] for t in trend],
    )
    _sheet(
        wb,
        "年级分布",
        _caption(d, "涉事学生年级（事件数）"),
        ["年级", "受欺凌学生所涉事件", "实施欺凌学生所涉事件"],
        [[g["grade"], g["victim"], g["perpetrator"]] for g in grades],
    )
    _sheet(
        wb,
        "调查超期清单",
        _caption(d, "调查处理已超期的事件"),
        ["案件编号", "学校", "启动调查日期", "调查处理期限", "超期天数"],
        [
            [c.number, c.school.name, _d(c.investigation_started_on), _d(c.investigation_due), -(c.days_left() or 0)]
            for c in lists.overdue_cases
        ],
    )
    _sheet(
        wb,
        "漏报清单",
        _caption(d, "逾期未报送的事件报告"),
        ["案件编号", "学校", "严重程度", "认定日期", "结案日期", "应报首报", "应报续报", "应报终报"],
        [
            [
                c.number,
                c.school.name,
                c.get_severity_display(),
                _d(c.determined_on),
                _d(c.closed_on),
                "是" if c.owes_initial else "",
                "是" if c.owes_follow_up else "",
                "是" if c.owes_final else "",
            ]
            for c in lists.missing_reports
        ],
    )
    _sheet(
        wb,
        "疑似瞒报",
        _caption(d, "疑似瞒报（经公安、信访、上级转办或申诉获知，学校此前未报告）"),
        ["案件编号", "学校", "线索来源", "受理日期", "首次申诉日期", "学校首次报告日期"],
        [
            [
                c.number,
                c.school.name,
                c.get_source_display(),
                _d(c.reported_on),
                _d(getattr(c, "first_appeal_on", None)),
                _d(c.first_report_on) or "未报告",
            ]
            for c in lists.concealed
        ],
    )
    _sheet(
        wb,
        "迟报报告",
        _caption(d, "迟报的事件报告"),
        ["报告编号", "类别", "学校", "报送时限", "报送时间", "当前所在单位"],
        [
            [r.number, r.get_kind_display(), r.school.name, _dt(r.due_at), _dt(r.submitted_at), r.current_unit.name]
            for r in lists.late_reports
        ],
    )
    _sheet(
        wb,
        "签收转报超时",
        _caption(d, "超过时限未签收或未转报的报告"),
        ["报告编号", "学校", "所在单位", "收到时间", "签收时限", "签收时间", "转报时限"],
        [
            [
                h.report.number,
                h.report.school.name,
                h.org_unit.name,
                _dt(h.received_at),
                _dt(h.ack_due_at),
                _dt(h.acknowledged_at) or "未签收",
                _dt(h.forward_due_at),
            ]
            for h in lists.overdue_hops
        ],
    )
    return workbook_bytes(wb)


def statistics_workbook(unit_name: str, period_label: str, figures: dict, completeness: list[Completeness]) -> bytes:
    wb = new_workbook()
    rows = [[s["title"], label, value] for s in figures["sections"] for label, value in s["rows"]]
    _sheet(wb, "基本情况统计表", f"{unit_name} · 基本情况统计表（{period_label}）", ["类别", "项目", "数值"], rows)
    _sheet(
        wb,
        "下级报送情况",
        f"{unit_name} · 下级单位报送情况（{period_label}）",
        ["单位", "报送情况", "报送日期", "报送人", "修订次数", "填报说明"],
        [
            [
                c.unit.name,
                c.label,
                _d(c.stat_return.submitted_on) if c.stat_return else "",
                c.stat_return.submitted_by.display_name if c.stat_return else "",
                c.stat_return.revision if c.stat_return else "",
                c.stat_return.comment if c.stat_return else "",
            ]
            for c in completeness
        ],
    )
    return workbook_bytes(wb)
