"""Inspections: self-checks and supervision against the policy list; submitting locks."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from bullying.uploads import DOCUMENTS_AND_SHEETS, check_upload
from bullying.workflow import advance, effective_date, lock
from inspections import selectors
from inspections.models import (
    INSPECTION_TRANSITIONS,
    Campaign,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionRound,
    InspectionStatus,
    Result,
    compute_score,
)
from inspections.services.common import clean_text, clean_weight, store_upload

# ---------------------------------------------------------------------------
# Inspections


def inspection_for_update(inspection: Inspection) -> Inspection:
    """The inspection row locked for the rest of the transaction, with target and office."""
    return lock(Inspection.objects.select_related("target", "office"), inspection.pk)


def _require_editor(actor: User, inspection: Inspection) -> None:
    if not selectors.can_edit_inspection(actor, inspection):
        if inspection.kind == InspectionKind.SELF_CHECK:
            raise PermissionDenied("自查由被检查单位自行填报。")
        raise PermissionDenied(f"只有{inspection.office.name}的督导人员可以填报本次督导检查。")


@transaction.atomic
def inspection_create(
    *,
    actor: User,
    target: OrgUnit,
    kind: str,
    inspected_on: date | None = None,
    round: InspectionRound | None = None,
    campaign: Campaign | None = None,
    is_spot_check: bool = False,
    is_unannounced: bool = False,
) -> Inspection:
    """Open an inspection of ``target`` against the current policy list, one row per item
    that applies to the target's level, weighted by the campaign (1 by default)."""
    if kind not in InspectionKind.values:
        raise ApplicationError("检查类型应为 self_check（对照自查）或 supervision（督导检查）。", field="kind")
    office: OrgUnit | None
    if kind == InspectionKind.SELF_CHECK:
        if not selectors.acts_for(actor, target):
            raise PermissionDenied("自查由被检查单位自行开展：学校由欺凌治理委员会主任，教育局由本级工作人员填报。")
        office = target
        if is_unannounced:
            raise ApplicationError("自查不能标记为不打招呼检查。", field="is_unannounced")
    else:
        office = selectors.supervising_office(actor, target)
        if office is None:
            raise PermissionDenied("只有上级单位的督导人员可以对该单位开展督导检查。")
    if round is not None:
        campaign = campaign or round.campaign
        if kind != InspectionKind.SUPERVISION:
            raise ApplicationError("督导批次只包含督导检查。", field="round")
        if not office.is_within(round.office):
            raise ApplicationError("该督导批次不属于本单位。", field="round")
        if round.is_published:
            raise ApplicationError("该督导批次已公布结果，不能再增加检查。", field="round")
    if campaign is not None and not target.is_within(campaign.organiser):
        raise ApplicationError("被检查单位不在该专项治理行动范围内。", field="campaign")
    inspected_on = effective_date(inspected_on, field="inspected_on")
    edition = campaign.edition if campaign is not None else selectors.current_edition()
    if edition is None:
        raise ApplicationError("尚未导入政策清单，无法开展检查。")
    items = [i for i in edition.items.order_by("number") if i.applies_to(target.level)]
    if not items:
        raise ApplicationError("政策清单中没有适用于该层级单位的条目。", field="target")
    inspection = Inspection.objects.create(
        kind=kind,
        target=target,
        office=office,
        edition=edition,
        campaign=campaign,
        round=round,
        is_spot_check=bool(is_spot_check),
        is_unannounced=bool(is_unannounced),
        inspected_on=inspected_on,
        created_by=actor,
    )
    weights = campaign.weights if campaign is not None else {}
    InspectionItem.objects.bulk_create(
        InspectionItem(inspection=inspection, item=item, weight=Decimal(str(weights.get(str(item.number), 1))))
        for item in items
    )
    audit_record(
        action="inspection.created",
        actor=actor,
        obj=inspection,
        org_unit=target,
        detail={"kind": kind, "items": len(items), "edition": edition.code},
    )
    return inspection


@transaction.atomic
def inspection_update(
    *,
    actor: User,
    inspection: Inspection,
    summary: str | None = None,
    inspected_on: date | None = None,
    is_spot_check: bool | None = None,
    is_unannounced: bool | None = None,
) -> Inspection:
    """Change the header of a draft: conclusion, date, flags."""
    inspection = inspection_for_update(inspection)
    _require_editor(actor, inspection)
    INSPECTION_TRANSITIONS.check(inspection, "edit")
    fields = []
    if summary is not None:
        inspection.summary = clean_text(summary, field="summary", label="主要问题和结论", required=False)
        fields.append("summary")
    if inspected_on is not None:
        inspection.inspected_on = effective_date(inspected_on, field="inspected_on")
        fields.append("inspected_on")
    if is_spot_check is not None:
        inspection.is_spot_check = bool(is_spot_check)
        fields.append("is_spot_check")
    if is_unannounced is not None:
        if is_unannounced and inspection.kind == InspectionKind.SELF_CHECK:
            raise ApplicationError("自查不能标记为不打招呼检查。", field="is_unannounced")
        inspection.is_unannounced = bool(is_unannounced)
        fields.append("is_unannounced")
    if fields:
        inspection.save(update_fields=[*fields, "updated_at"])
        audit_record(action="inspection.updated", actor=actor, obj=inspection, detail={"fields": fields})
    return inspection


def result_row(inspection: Inspection, number: int) -> InspectionItem:
    """The locked result row of item ``number``, or ``ApplicationError`` if it is not in scope."""
    row = (
        InspectionItem.objects.select_related("item")
        .filter(inspection=inspection, item__number=number)
        .select_for_update(of=("self",))
        .first()
    )
    if row is None:
        raise ApplicationError(f"第{number}项不适用于{inspection.target.name}，不在本次检查范围内。", field="number")
    return row


@transaction.atomic
def inspection_set_result(
    *,
    actor: User,
    inspection: Inspection,
    number: int,
    result: str | None = None,
    finding: str | None = None,
    weight=None,
) -> InspectionItem:
    """Record the result of one item (已落实/部分落实/未落实/不适用), the finding, the weight.

    Refused once the inspection is submitted: the inspection row is locked first, so a
    submit running at the same time cannot slip between the check and the write.
    """
    inspection = inspection_for_update(inspection)
    _require_editor(actor, inspection)
    INSPECTION_TRANSITIONS.check(inspection, "set_result")
    row = result_row(inspection, number)
    fields = []
    if result is not None:
        if result not in Result.values:
            raise ApplicationError(
                "结果应为 met（已落实）、partly_met（部分落实）、not_met（未落实）或 not_applicable（不适用）。",
                field="result",
            )
        row.result = result
        fields.append("result")
    if finding is not None:
        row.finding = clean_text(finding, field="finding", label="检查发现", required=False)
        fields.append("finding")
    if weight is not None:
        row.weight = clean_weight(weight)
        fields.append("weight")
    if not fields:
        raise ApplicationError("请至少填写结果、检查发现或权重中的一项。")
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save(update_fields=[*fields, "updated_by", "updated_at"])
    Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
    audit_record(
        action="inspection.item_set",
        actor=actor,
        obj=inspection,
        detail={"number": number, "result": row.result, "fields": fields},
    )
    return row


@transaction.atomic
def evidence_add(*, actor: User, inspection: Inspection, number: int, uploaded_file, description: str = "") -> Evidence:
    """Attach a supporting file to one item's finding (private storage)."""
    inspection = inspection_for_update(inspection)
    _require_editor(actor, inspection)
    INSPECTION_TRANSITIONS.check(inspection, "evidence")
    row = result_row(inspection, number)
    content_type = check_upload(uploaded_file, allowed=DOCUMENTS_AND_SHEETS)
    evidence = Evidence(
        result=row,
        description=clean_text(description, field="description", label="说明", required=False, max_length=200),
        uploaded_by=actor,
    )
    store_upload(evidence, uploaded_file, content_type)
    evidence.save()
    audit_record(
        action="inspection.evidence_added",
        actor=actor,
        obj=inspection,
        detail={"number": number, "evidence": evidence.pk},
    )
    return evidence


def inspection_score(inspection: Inspection) -> Decimal | None:
    """The score so far (stored when submitted)."""
    if inspection.score is not None and inspection.status == InspectionStatus.SUBMITTED:
        return inspection.score
    return compute_score(inspection.results.values_list("result", "weight"))


@transaction.atomic
def inspection_submit(*, actor: User, inspection: Inspection) -> Inspection:
    """Submit and lock. A self-check must answer every item; a supervision (which may be a
    spot check of some items) at least one. Items found not or partly met need a finding."""
    inspection = inspection_for_update(inspection)
    _require_editor(actor, inspection)
    INSPECTION_TRANSITIONS.check(inspection, "submit")
    rows = list(inspection.results.select_related("item").order_by("item__number"))
    unanswered = [r.item.number for r in rows if not r.result]
    if inspection.kind == InspectionKind.SELF_CHECK and unanswered:
        raise ApplicationError(f"自查须逐项填报，以下条目尚未填写结果：第{_numbers(unanswered)}项。")
    if len(unanswered) == len(rows):
        raise ApplicationError("尚未填写任何条目的检查结果。")
    missing = [r.item.number for r in rows if r.is_deficient and not r.finding.strip()]
    if missing:
        raise ApplicationError(f"未落实或部分落实的条目须写明检查发现：第{_numbers(missing)}项。")
    advance(
        inspection,
        to=InspectionStatus.SUBMITTED,
        fields={
            "score": compute_score((r.result, r.weight) for r in rows),
            "submitted_by": actor,
            "submitted_at": timezone.now(),
        },
    )
    audit_record(
        action="inspection.submitted",
        actor=actor,
        obj=inspection,
        org_unit=inspection.target,
        detail={"score": str(inspection.score) if inspection.score is not None else None},
    )
    return inspection


def _numbers(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:15])
    return shown + ("等" if len(numbers) > 15 else "")


def inspection_record_read(*, actor: User, inspection: Inspection, via: str) -> None:
    audit_record(action="inspection.read", actor=actor, obj=inspection, detail={"via": via})
