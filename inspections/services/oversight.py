"""Accountability (问责) and supervision rounds with their publication."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from bullying.workflow import effective_date
from cases.privacy import privacy_masked
from inspections import selectors
from inspections.models import (
    AccountabilityKind,
    AccountabilityMeasure,
    Campaign,
    Inspection,
    InspectionRound,
    InspectionStatus,
)
from inspections.services.campaigns import require_oversight_at
from inspections.services.common import clean_text

# ---------------------------------------------------------------------------
# Accountability (问责)


@transaction.atomic
def accountability_record(
    *,
    actor: User,
    unit: OrgUnit,
    kind: str,
    reason: str,
    decided_on: date | None = None,
    inspection: Inspection | None = None,
    case=None,
) -> AccountabilityMeasure:
    """通报、约谈、挂牌督办或一票否决 of ``unit`` by an office above, citing the inspection
    or the case that caused it (政策清单第28、49项)."""
    if not selectors.can_hold_to_account(actor, unit):
        raise PermissionDenied("只有上级教育行政部门或督导人员可以对该单位问责。")
    if kind not in AccountabilityKind.values:
        raise ApplicationError(
            "问责方式应为 notice（通报）、interview（约谈）、listed_supervision（挂牌督办）或 veto（一票否决）。",
            field="kind",
        )
    if inspection is None and case is None:
        raise ApplicationError("请注明问责所依据的检查或欺凌事件。", field="inspection")
    if inspection is not None:
        if inspection.status != InspectionStatus.SUBMITTED:
            raise ApplicationError("所依据的检查尚未提交。", field="inspection")
        if not (inspection.target.is_within(unit) or unit.is_within(inspection.target)):
            raise ApplicationError("所依据的检查与被问责单位无关。", field="inspection")
    if case is not None and not case.school.is_within(unit):
        raise ApplicationError("所依据的欺凌事件不属于被问责单位。", field="case")
    reason = clean_text(reason, field="reason", label="问责事由")
    if case is not None:
        # A notice of criticism is published to offices and units that may not see the
        # children's names: the case's names are masked in it as it is stored.
        reason = privacy_masked(case).text(reason)
    decided_on = effective_date(decided_on, field="decided_on")
    ancestors = set(unit.ancestor_ids())
    offices = [
        m.org_unit
        for m in selectors.memberships_of(actor)
        if m.role in selectors.OVERSIGHT_ROLES and m.org_unit_id in ancestors
    ]
    office = max(offices, key=lambda u: u.depth)
    measure = AccountabilityMeasure.objects.create(
        unit=unit,
        kind=kind,
        reason=reason,
        decided_on=decided_on,
        office=office,
        inspection=inspection,
        case=case,
        decided_by=actor,
    )
    audit_record(
        action="accountability.recorded",
        actor=actor,
        obj=measure,
        org_unit=unit,
        detail={"kind": kind, "inspection": inspection.pk if inspection else None, "case": case.pk if case else None},
    )
    return measure


# ---------------------------------------------------------------------------
# Rounds and publication


@transaction.atomic
def round_create(
    *,
    actor: User,
    office: OrgUnit,
    title: str,
    starts_on: date,
    ends_on: date,
    semester: str = "",
    campaign: Campaign | None = None,
) -> InspectionRound:
    require_oversight_at(actor, office, "组织督导批次")
    title = clean_text(title, field="title", label="批次名称", max_length=100)
    if ends_on < starts_on:
        raise ApplicationError("结束日期不能早于开始日期。", field="ends_on")
    if campaign is not None and not office.is_within(campaign.organiser):
        raise ApplicationError("该专项治理行动不覆盖本单位。", field="campaign")
    rnd = InspectionRound.objects.create(
        office=office,
        title=title,
        semester=(semester or "").strip()[:40],
        starts_on=starts_on,
        ends_on=ends_on,
        campaign=campaign,
        created_by=actor,
    )
    audit_record(action="round.created", actor=actor, obj=rnd, org_unit=office)
    return rnd


@transaction.atomic
def round_publish(*, actor: User, round: InspectionRound) -> InspectionRound:
    """Publish the round's submitted results on the public page (巡查结果及时向社会公布).

    Drafts still in the round are not published. The findings are free text written by
    inspectors, who are warned on the form not to name children.
    """
    rnd = InspectionRound.objects.select_for_update().select_related("office").get(pk=round.pk)
    require_oversight_at(actor, rnd.office, "公布督导结果")
    if rnd.is_published:
        raise ApplicationError("该批次已公布。")
    if not rnd.inspections.filter(status=InspectionStatus.SUBMITTED).exists():
        raise ApplicationError("该批次还没有已提交的检查，无法公布。")
    rnd.published_at = timezone.now()
    rnd.published_by = actor
    rnd.save(update_fields=["published_at", "published_by"])
    audit_record(action="round.published", actor=actor, obj=rnd, org_unit=rnd.office)
    return rnd
