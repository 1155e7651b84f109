"""Rectification (整改): orders from items not met, deadlines, progress, 复查验收, reopening."""

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import OrgUnit, User
from bullying.audit.services import audit_record
from bullying.deadlines.calendar import DueDate, compute_due, recompute_due_dates, rule_for
from bullying.errors import ApplicationError
from bullying.timeutil import today_local
from bullying.uploads import DOCUMENTS_AND_SHEETS, check_upload
from bullying.workflow import advance, effective_date, lock, register_timeline, timeline_append
from inspections import selectors
from inspections.models import (
    INSPECTION_TRANSITIONS,
    RECTIFICATION_TRANSITIONS,
    Inspection,
    NoteKind,
    Rectification,
    RectificationEvidence,
    RectificationNote,
    RectificationStatus,
)
from inspections.services.common import MAX_RECTIFICATION_DAYS, clean_text, store_upload
from inspections.services.inspections import inspection_for_update, result_row

# ---------------------------------------------------------------------------
# Rectification (整改)


def _due(*, unit: OrgUnit, start: date, due_on: date | None, days: int | None, calendar=None):
    """(due_on, days, steps) from exactly one of a date or a number of days."""
    if (due_on is None) == (days is None):
        raise ApplicationError("请填写整改期限：指定日期或天数（二选一）。", field="due_on")
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RECTIFICATION_DAYS:
            raise ApplicationError(f"整改天数应为 1—{MAX_RECTIFICATION_DAYS} 的整数。", field="days")
        computed = compute_due(start, days, rule_for(unit), calendar=calendar)
        return computed.due, days, list(computed.steps)
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        raise ApplicationError("整改期限格式应为 YYYY-MM-DD。", field="due_on")
    if due_on <= start:
        raise ApplicationError(f"整改期限应晚于下达日期（{start:%Y-%m-%d}）。", field="due_on")
    if due_on > start + timedelta(days=MAX_RECTIFICATION_DAYS):
        raise ApplicationError("整改期限不能超过一年。", field="due_on")
    return due_on, None, [f"指定整改期限：{due_on.year}年{due_on.month}月{due_on.day}日"]


def rectification_timeline_append(
    rect: Rectification, /, *, text: str, actor: User | None, on: date, kind: str, **data
) -> RectificationNote:
    """The rectification's timeline writer (its notes, ``bullying.workflow.timeline_append``)."""
    return RectificationNote.objects.create(rectification=rect, kind=kind, on=on, text=text, actor=actor)


def _lock_rect(rect: Rectification) -> Rectification:
    return lock(
        Rectification.objects.select_related("unit", "inspection", "inspection__target", "inspection__office"),
        rect.pk,
        of=("self",),
    )


@transaction.atomic
def rectification_raise(
    *,
    actor: User,
    inspection: Inspection,
    number: int,
    requirement: str,
    unit: OrgUnit | None = None,
    due_on: date | None = None,
    days: int | None = None,
    on: date | None = None,
) -> Rectification:
    """Order rectification of an item found not or partly met in a submitted inspection.

    The deadline is a date, or a number of days counted from the order's date with the
    statutory calendar of the responsible unit's region (``compute_due``).
    """
    inspection = inspection_for_update(inspection)
    if not (selectors.can_edit_inspection(actor, inspection) or selectors.oversees(actor, inspection.target)):
        raise PermissionDenied("只有检查单位可以下达整改。")
    INSPECTION_TRANSITIONS.check(inspection, "rectify")
    row = result_row(inspection, number)
    if not row.is_deficient:
        raise ApplicationError(
            f"第{number}项的检查结果为“{row.get_result_display() or '未检查'}”，无需整改。", field="number"
        )
    unit = unit or inspection.target
    if not unit.is_within(inspection.target):
        raise ApplicationError("整改责任单位应为被检查单位或其下级单位。", field="unit")
    if Rectification.objects.filter(result=row, unit=unit).exclude(status=RectificationStatus.VERIFIED).exists():
        raise ApplicationError(f"第{number}项已对{unit.name}下达整改，尚未验收。", field="number")
    requirement = clean_text(requirement, field="requirement", label="整改要求")
    on = effective_date(on, after=inspection.inspected_on, after_label="检查日期")
    due, due_days, steps = _due(unit=unit, start=on, due_on=due_on, days=days)
    rect = Rectification.objects.create(
        inspection=inspection,
        result=row,
        unit=unit,
        requirement=requirement,
        raised_on=on,
        raised_by=actor,
        due_on=due,
        due_days=due_days,
        due_start=on if due_days else None,
        due_steps=steps,
        last_step_on=on,
    )
    timeline_append(rect, kind=NoteKind.RAISED, on=on, text=f"下达整改，期限 {due:%Y-%m-%d}。", actor=actor)
    audit_record(
        action="rectification.raised",
        actor=actor,
        obj=rect,
        org_unit=unit,
        detail={"inspection": inspection.pk, "number": number, "due_on": due.isoformat()},
    )
    return rect


def _require_unit(actor: User, rect: Rectification) -> None:
    if not selectors.acts_for(actor, rect.unit):
        raise PermissionDenied(f"只有整改责任单位（{rect.unit.name}）可以办理此事项。")


@transaction.atomic
def rectification_add_note(*, actor: User, rectification: Rectification, text: str, on: date | None = None):
    """A progress note (整改进展) by the responsible unit or the office above."""
    rect = _lock_rect(rectification)
    if not (selectors.acts_for(actor, rect.unit) or selectors.oversees(actor, rect.unit)):
        raise PermissionDenied("只有整改责任单位或上级单位可以记录整改进展。")
    RECTIFICATION_TRANSITIONS.check(rect, "progress")
    text = clean_text(text, field="text", label="整改进展")
    on = effective_date(on, after=rect.raised_on, after_label="下达整改日期")
    return timeline_append(rect, kind=NoteKind.PROGRESS, on=on, text=text, actor=actor)


@transaction.atomic
def rectification_add_evidence(
    *, actor: User, rectification: Rectification, uploaded_file, description: str = ""
) -> RectificationEvidence:
    """Evidence of completion (整改佐证材料), uploaded by the responsible unit."""
    rect = _lock_rect(rectification)
    _require_unit(actor, rect)
    RECTIFICATION_TRANSITIONS.check(rect, "evidence")
    content_type = check_upload(uploaded_file, allowed=DOCUMENTS_AND_SHEETS)
    evidence = RectificationEvidence(
        rectification=rect,
        description=clean_text(description, field="description", label="说明", required=False, max_length=200),
        uploaded_by=actor,
    )
    store_upload(evidence, uploaded_file, content_type)
    evidence.save()
    timeline_append(rect, kind=NoteKind.PROGRESS, on=today_local(), text="上传整改佐证材料一份。", actor=actor)
    return evidence


@transaction.atomic
def rectification_complete(*, actor: User, rectification: Rectification, text: str, on: date | None = None):
    """The responsible unit reports the rectification done; it waits for 复查验收."""
    rect = _lock_rect(rectification)
    _require_unit(actor, rect)
    RECTIFICATION_TRANSITIONS.check(rect, "complete")
    text = clean_text(text, field="text", label="整改完成情况")
    on = effective_date(on, after=rect.last_step_on)
    advance(rect, to=RectificationStatus.COMPLETED, on=on, fields={"completed_on": on})
    timeline_append(rect, kind=NoteKind.COMPLETED, on=on, text=text, actor=actor)
    return rect


@transaction.atomic
def rectification_verify(*, actor: User, rectification: Rectification, text: str = "", on: date | None = None):
    """复查验收 by an inspector or office above the responsible unit — never the unit itself."""
    rect = _lock_rect(rectification)
    if selectors.is_member_of(actor, rect.unit):
        raise PermissionDenied("整改责任单位不能自行复查验收，须由上级督导人员或教育行政部门验收。")
    if not selectors.can_verify(actor, rect):
        raise PermissionDenied("只有上级督导人员或教育行政部门可以复查验收。")
    RECTIFICATION_TRANSITIONS.check(rect, "verify")
    on = effective_date(on, after=rect.last_step_on)
    advance(rect, to=RectificationStatus.VERIFIED, on=on, fields={"verified_on": on, "verified_by": actor})
    timeline_append(rect, kind=NoteKind.VERIFIED, on=on, text=(text or "").strip() or "复查验收通过。", actor=actor)
    audit_record(action="rectification.verified", actor=actor, obj=rect, org_unit=rect.unit)
    return rect


@transaction.atomic
def rectification_reopen(
    *,
    actor: User,
    rectification: Rectification,
    text: str,
    due_on: date | None = None,
    days: int | None = None,
    on: date | None = None,
):
    """Send a reported or verified rectification back (复查未通过), optionally with a new deadline."""
    rect = _lock_rect(rectification)
    if selectors.is_member_of(actor, rect.unit) or not selectors.can_verify(actor, rect):
        raise PermissionDenied("只有上级督导人员或教育行政部门可以退回重新整改。")
    RECTIFICATION_TRANSITIONS.check(rect, "reopen")
    text = clean_text(text, field="text", label="退回理由")
    on = effective_date(on, after=rect.last_step_on)
    fields: dict[str, Any] = {
        "completed_on": None,
        "verified_on": None,
        "verified_by": None,
        "reopen_count": rect.reopen_count + 1,
    }
    if due_on is not None or days is not None:
        new_due, new_days, steps = _due(unit=rect.unit, start=on, due_on=due_on, days=days)
        fields.update(due_on=new_due, due_days=new_days, due_steps=steps, due_start=on if new_days else None)
    advance(rect, to=RectificationStatus.OPEN, on=on, fields=fields)
    timeline_append(rect, kind=NoteKind.REOPENED, on=on, text=f"{text}（整改期限 {rect.due_on:%Y-%m-%d}）", actor=actor)
    audit_record(action="rectification.reopened", actor=actor, obj=rect, org_unit=rect.unit)
    return rect


@transaction.atomic
def rectification_recompute_due_dates(*, actor: User | None, reason: str, calendar=None) -> int:
    """Recompute every open rectification deadline counted in days; note each change.

    Registered with ``bullying.deadlines.calendar`` (see ``InspectionsConfig.ready``): a change of
    the holiday calendar or of a region's rule never leaves a stale deadline.
    """
    today = today_local()

    def record(rect: Rectification, old: date, due: DueDate) -> None:
        timeline_append(
            rect,
            kind=NoteKind.DUE_RECOMPUTED,
            on=today,
            text=f"{reason[:100]}：整改期限由 {old:%Y-%m-%d} 改为 {due.due:%Y-%m-%d}。",
            actor=actor,
        )

    return recompute_due_dates(
        Rectification.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(status=RectificationStatus.OPEN, due_days__isnull=False, due_start__isnull=False),
        start_field="due_start",
        due_field="due_on",
        steps_field="due_steps",
        days=lambda rect: rect.due_days,
        unit_of=lambda rect: rect.unit,
        on_change=record,
        calendar=calendar,
    )


register_timeline(Rectification, rectification_timeline_append)
