"""Aggregated reads: campaign completeness, league tables, the Excel export.

All start from the caller's scoped querysets (``inspections.selectors``); nothing here
widens what a user may read. Query counts do not grow with the number of units.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from openpyxl.styles import Alignment, Font, PatternFill

from accounts.models import Level, OrgUnit, User
from accounts.selectors import subtree_q
from bullying.excel import new_workbook, workbook_bytes, write_sheet
from bullying.timeutil import today_local
from inspections import selectors
from inspections.models import (
    LEVEL_ORDER,
    Campaign,
    CampaignTask,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionRound,
    InspectionStatus,
    Rectification,
    RectificationStatus,
    Result,
    SubmissionStatus,
    TaskSubmission,
    submission_status,
)

LEVEL_LABELS = dict(Level.choices)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ---------------------------------------------------------------------------------------
# Campaign completeness (who has and has not filed, who was late)


@dataclass
class UnitProgress:
    unit: OrgUnit
    counts: Counter = field(default_factory=Counter)
    # The unit's own status per task id (absent when the unit does not file that task).
    own: dict[int, str] = field(default_factory=dict)
    submissions: dict[int, TaskSubmission] = field(default_factory=dict)

    @property
    def required(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[SubmissionStatus.SUBMITTED] + self.counts[SubmissionStatus.LATE]

    @property
    def rate(self) -> int | None:
        due = self.required - self.counts[SubmissionStatus.PENDING]
        if due <= 0:
            return None
        return round(100 * self.done / due)

    def as_dict(self) -> dict:
        return {
            "org_unit": {"id": self.unit.pk, "code": self.unit.code, "name": self.unit.name, "level": self.unit.level},
            "required": self.required,
            "submitted": self.counts[SubmissionStatus.SUBMITTED],
            "late": self.counts[SubmissionStatus.LATE],
            "missing": self.counts[SubmissionStatus.MISSING],
            "pending": self.counts[SubmissionStatus.PENDING],
            "rate": self.rate,
            "tasks": {str(k): v for k, v in self.own.items()},
        }


@dataclass
class Completeness:
    campaign: Campaign
    unit: OrgUnit
    tasks: list[CampaignTask]
    own: UnitProgress
    children: list[UnitProgress]
    total: UnitProgress


def campaign_completeness(campaign: Campaign, *, unit: OrgUnit, today: date | None = None) -> Completeness:
    """Filing status under ``unit``: the unit's own reports, and per direct child the
    counts over the child's whole subtree (three queries)."""
    today = today or today_local()
    tasks = list(campaign.tasks.select_related("phase").order_by("due_on", "id"))
    scope = campaign.organiser if campaign.organiser.is_within(unit) else unit
    units = list(OrgUnit.objects.filter(subtree_q([scope]), is_active=True).order_by("path"))
    submissions = {
        (s.task_id, s.org_unit_id): s
        for s in TaskSubmission.objects.filter(task__campaign=campaign, org_unit__in=units).select_related("task")
    }
    own = UnitProgress(unit)
    total = UnitProgress(unit)
    children = {u.pk: UnitProgress(u) for u in units if u.parent_id == unit.pk}
    for u in units:
        if not u.is_within(unit):
            continue
        child = next((children[pk] for pk in [*u.ancestor_ids(), u.pk] if pk in children), None)
        for task in tasks:
            if u.level not in task.levels:
                continue
            submission = submissions.get((task.pk, u.pk))
            status = submission_status(task, submission, today)
            total.counts[status] += 1
            if child is not None:
                child.counts[status] += 1
                if u.pk == child.unit.pk:
                    child.own[task.pk] = status
                    if submission:
                        child.submissions[task.pk] = submission
            if u.pk == unit.pk:
                own.counts[status] += 1
                own.own[task.pk] = status
                if submission:
                    own.submissions[task.pk] = submission
    return Completeness(
        campaign=campaign, unit=unit, tasks=tasks, own=own, children=list(children.values()), total=total
    )


# ---------------------------------------------------------------------------------------
# Results across units


def submitted_inspections(
    user: User,
    *,
    kind: str | None = None,
    round: InspectionRound | None = None,
    campaign: Campaign | None = None,
    level: str | None = None,
) -> QuerySet[Inspection]:
    qs = selectors.inspection_list(user).filter(status=InspectionStatus.SUBMITTED).select_related("target__parent")
    if kind:
        qs = qs.filter(kind=kind)
    if round is not None:
        qs = qs.filter(round=round)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if level:
        qs = qs.filter(target__level=level)
    return qs.order_by("target__path", "-inspected_on", "-id")


def result_counts(inspection_ids: list[int]) -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        InspectionItem.objects.filter(inspection_id__in=inspection_ids)
        .values_list("inspection_id", "result")
        .annotate(n=Count("id"))
    )
    for inspection_id, result, n in rows:
        counts[inspection_id][result or "unchecked"] += n
    return counts


def rectification_counts(inspection_ids: list[int]) -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    rectifications = Rectification.objects.filter(inspection_id__in=inspection_ids)
    for inspection_id, status in rectifications.values_list("inspection_id", "status"):
        counts[inspection_id][status] += 1
        counts[inspection_id]["total"] += 1
    for inspection_id in rectifications.overdue().values_list("inspection_id", flat=True):
        counts[inspection_id]["overdue"] += 1
    return counts


@dataclass
class LeagueRow:
    rank: int
    inspection: Inspection
    score: Decimal | None
    counts: Counter
    rectifications: Counter

    @property
    def unit(self) -> OrgUnit:
        return self.inspection.target


def league_table(inspections: list[Inspection], *, level: str) -> list[LeagueRow]:
    """Units of one tier ranked by the score of their latest submitted inspection; equal
    scores share a rank (1, 1, 3)."""
    latest: dict[int, Inspection] = {}
    for inspection in inspections:
        if inspection.target.level != level:
            continue
        current = latest.get(inspection.target_id)
        if current is None or (inspection.inspected_on, inspection.pk) > (current.inspected_on, current.pk):
            latest[inspection.target_id] = inspection
    chosen = sorted(
        latest.values(),
        key=lambda i: (i.score is None, -(i.score or 0), i.target.path),
    )
    counts = result_counts([i.pk for i in chosen])
    rects = rectification_counts([i.pk for i in chosen])
    rows: list[LeagueRow] = []
    for position, inspection in enumerate(chosen, start=1):
        if rows and rows[-1].score == inspection.score:
            rank = rows[-1].rank
        else:
            rank = position
        rows.append(LeagueRow(rank, inspection, inspection.score, counts[inspection.pk], rects[inspection.pk]))
    return rows


def league_tables(inspections: list[Inspection]) -> list[tuple[str, str, list[LeagueRow]]]:
    """One table per tier present: (level, label, rows)."""
    levels = {i.target.level for i in inspections}
    return [
        (level, str(LEVEL_LABELS[level]), league_table(inspections, level=level))
        for level in LEVEL_ORDER
        if level in levels
    ]


# ---------------------------------------------------------------------------------------
# Excel

RESULT_MARKS = {Result.MET: "✓", Result.PARTLY_MET: "△", Result.NOT_MET: "✗", Result.NOT_APPLICABLE: "—", "": "未检查"}
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_HEAD_FONT = Font(name="宋体", bold=True)
_TITLE_FONT = Font(name="黑体", bold=True, size=14)
DATE = "yyyy-mm-dd"


def _sheet(wb, title: str, heading: str, columns: list[tuple[str, int]], rows, number_formats=None):
    return write_sheet(
        wb,
        title=title,
        caption=heading,
        columns=columns,
        rows=rows,
        header_font=_HEAD_FONT,
        caption_font=_TITLE_FONT,
        header_fill=_HEAD_FILL,
        merge_caption=True,
        borders=True,
        number_formats=number_formats,
    )


def results_workbook(
    inspections: list[Inspection], *, title: str, generated_by: str, edition_items: list | None = None
) -> bytes:
    """The results of submitted inspections across units, one workbook:
    检查结果 (one row per inspection), 逐项结果 (unit × item), and a league table per tier."""
    wb = new_workbook()
    ids = [i.pk for i in inspections]
    counts = result_counts(ids)
    rects = rectification_counts(ids)
    stamp = f"{title}（导出：{generated_by}，{timezone.localtime():%Y-%m-%d %H:%M}）"

    def result_rows():
        for n, inspection in enumerate(inspections, start=1):
            c = counts[inspection.pk]
            r = rects[inspection.pk]
            yield [
                n,
                inspection.target.name,
                str(LEVEL_LABELS[inspection.target.level]),
                inspection.target.parent.name if inspection.target.parent else "",
                inspection.get_kind_display(),
                inspection.office.name,
                inspection.inspected_on,
                "是" if inspection.is_spot_check else "",
                "是" if inspection.is_unannounced else "",
                float(inspection.score) if inspection.score is not None else None,
                c[Result.MET],
                c[Result.PARTLY_MET],
                c[Result.NOT_MET],
                c[Result.NOT_APPLICABLE],
                c["unchecked"],
                r["total"],
                r[RectificationStatus.OPEN],
                r["overdue"],
                r[RectificationStatus.COMPLETED],
                r[RectificationStatus.VERIFIED],
                inspection.summary,
            ]

    _sheet(
        wb,
        "检查结果",
        stamp,
        [
            ("序号", 6),
            ("被检查单位", 28),
            ("层级", 9),
            ("上级单位", 18),
            ("类型", 10),
            ("检查单位", 18),
            ("检查日期", 12),
            ("抽查", 6),
            ("不打招呼", 8),
            ("得分", 8),
            ("已落实", 8),
            ("部分落实", 8),
            ("未落实", 8),
            ("不适用", 8),
            ("未检查", 8),
            ("整改总数", 8),
            ("整改中", 8),
            ("其中逾期", 8),
            ("待复查", 8),
            ("已验收", 8),
            ("主要问题和结论", 60),
        ],
        result_rows(),
        number_formats={7: DATE, 10: "0.0"},
    )

    numbers = sorted({n for n in (edition_items or [])}) or list(range(1, 51))
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    for inspection_id, number, result in InspectionItem.objects.filter(inspection_id__in=ids).values_list(
        "inspection_id", "item__number", "result"
    ):
        marks[inspection_id][number] = RESULT_MARKS.get(result, result)
    ws = _sheet(
        wb,
        "逐项结果",
        "逐项结果（✓ 已落实　△ 部分落实　✗ 未落实　— 不适用；空白为不适用于该层级）",
        [("被检查单位", 28), ("检查日期", 12), ("得分", 8)] + [(f"第{n}项", 6) for n in numbers],
        (
            [
                inspection.target.name,
                inspection.inspected_on,
                float(inspection.score) if inspection.score is not None else None,
                *(marks[inspection.pk].get(n, "") for n in numbers),
            ]
            for inspection in inspections
        ),
        number_formats={2: DATE},
    )
    for row in ws.iter_rows(min_row=3, min_col=4):
        for cell in row:
            cell.alignment = Alignment(horizontal="center")

    for _level, label, rows in league_tables(inspections):
        _sheet(
            wb,
            f"排名（{label}）",
            f"{label}得分排名（按最近一次已提交检查）",
            [
                ("名次", 6),
                ("单位", 28),
                ("上级单位", 18),
                ("得分", 8),
                ("检查日期", 12),
                ("未落实", 8),
                ("部分落实", 8),
                ("整改中", 8),
            ],
            (
                [
                    row.rank,
                    row.unit.name,
                    row.unit.parent.name if row.unit.parent else "",
                    float(row.score) if row.score is not None else None,
                    row.inspection.inspected_on,
                    row.counts[Result.NOT_MET],
                    row.counts[Result.PARTLY_MET],
                    row.rectifications[RectificationStatus.OPEN],
                ]
                for row in rows
            ),
            number_formats={5: DATE},
        )

    return workbook_bytes(wb)


def export_filename(prefix: str = "督导检查结果") -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


KIND_LABELS = dict(InspectionKind.choices)
