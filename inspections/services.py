"""Writes on campaigns, inspections, rectifications and accountability.

Each service checks who acts and the current state, locks the row it changes, and writes
its audit row (or rectification note) in the same transaction. Refusals are
``ApplicationError`` (400, Chinese message) or ``PermissionDenied`` (403) for someone who
may see the object but not do the step; nothing is written either way.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Level, OrgUnit, User
from bullying.audit import ACTION_LABELS, audit_record
from bullying.calendar import compute_due, rule_for, today_local
from bullying.errors import ApplicationError
from inspections import selectors
from inspections.models import (
    LEVEL_ORDER,
    AccountabilityKind,
    AccountabilityMeasure,
    Campaign,
    CampaignPhase,
    CampaignTask,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionRound,
    InspectionStatus,
    NoteKind,
    PhaseKind,
    PolicyEdition,
    Rectification,
    RectificationEvidence,
    RectificationNote,
    RectificationStatus,
    Result,
    TaskKind,
    TaskSubmission,
    compute_score,
)
from inspections.uploads import check_upload, clean_name

for _code, _label in {
    "campaign.created": "创建专项治理行动",
    "campaign.task_submitted": "专项治理行动报送",
    "inspection.created": "新建检查",
    "inspection.updated": "修改检查信息",
    "inspection.item_set": "填报检查结果",
    "inspection.evidence_added": "上传佐证材料",
    "inspection.submitted": "提交检查",
    "inspection.read": "查阅检查",
    "rectification.raised": "下达整改",
    "rectification.verified": "复查验收",
    "rectification.reopened": "重新整改",
    "accountability.recorded": "记录问责",
    "round.created": "创建督导批次",
    "round.published": "公布督导结果",
}.items():
    ACTION_LABELS.setdefault(_code, _label)

MAX_RECTIFICATION_DAYS = 365
MAX_WEIGHT = Decimal(100)


# ---------------------------------------------------------------------------
# Helpers


def _today() -> date:
    return today_local()


def _effective_date(on: date | None, *, not_before: date | None = None, label: str = "上一步骤", field="on") -> date:
    """The day a step really happened: default today, never in the future, never before
    the step it follows (API.md, Conventions)."""
    on = on or _today()
    if not isinstance(on, date) or isinstance(on, datetime):
        raise ApplicationError("日期格式应为 YYYY-MM-DD。", field=field)
    if on > _today():
        raise ApplicationError("日期不能晚于今天。", field=field)
    if not_before and on < not_before:
        raise ApplicationError(f"日期不能早于{label}（{not_before:%Y-%m-%d}）。", field=field)
    return on


def _text(value: str | None, *, field: str, label: str, required: bool = True, max_length: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ApplicationError(f"{label}不能超过 {max_length} 个字。", field=field)
    return value


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError("权重应为数字。", field="weight")
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
        raise ApplicationError("权重应大于 0 且不超过 100。", field="weight")
    if weight != weight.quantize(Decimal("0.01")):
        raise ApplicationError("权重最多保留两位小数。", field="weight")
    return weight


def _store_upload(instance, uploaded_file, content_type: str) -> None:
    instance.original_name = clean_name(uploaded_file.name)
    instance.content_type = content_type
    instance.size = uploaded_file.size
    instance.file.save("upload", uploaded_file, save=False)


# ---------------------------------------------------------------------------
# Campaigns (专项治理行动)

# The provincial task list of seed 003 (2021年辽宁省任务清单): phases, what each level
# files, and by when (month, day). Levels below the organiser only.
STANDARD_PHASES = [
    (
        PhaseKind.DEPLOY,
        (3, 1),
        (3, 15),
        "细化方案，加强宣传；对所有中小学校开展一次全面排查，找准问题、建立台账，明确整改重点、细化整改措施；"
        "学校对全体学生情况进行一次彻底梳理。",
    ),
    (
        PhaseKind.RECTIFY,
        (3, 16),
        (6, 15),
        "对排查发现的苗头迹象或隐患点及时报告、核实研判、干预化解；封堵日常管理漏洞；发生过欺凌事件的学校进行“回头看”；"
        "依法依规处置；健全报告制度、协同机制、考核机制、通报制度。",
    ),
    (
        PhaseKind.INSPECT,
        (6, 16),
        (7, 10),
        "各级教育督导部门对专项治理行动开展情况进行自查，上级适时开展抽查，并向社会通报有关情况。",
    ),
]
STANDARD_TASKS = [
    (
        PhaseKind.DEPLOY,
        TaskKind.IMPLEMENTATION_PLAN,
        "工作实施方案及基本情况统计表",
        [Level.CITY, Level.COUNTY],
        (3, 10),
        "结合实际制定本地工作实施方案，报上级教育行政部门备案，同时报送基本情况统计表。",
    ),
    (
        PhaseKind.DEPLOY,
        TaskKind.SCREENING_LEDGER,
        "排查台账",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (3, 20),
        "对照7个方面进行全覆盖、无死角的摸底排查，建立台账。",
    ),
    (
        PhaseKind.DEPLOY,
        TaskKind.RECTIFICATION_MEASURES,
        "整改措施",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (3, 20),
        "明确整改重点，细化整改措施。",
    ),
    (
        PhaseKind.RECTIFY,
        TaskKind.RECTIFICATION_REPORT,
        "集中整治情况",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (6, 20),
        "报送集中整治阶段工作情况。",
    ),
    (
        PhaseKind.INSPECT,
        TaskKind.SELF_CHECK_REPORT,
        "对照政策清单自查报告",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (7, 10),
        "对照政策清单逐项自查，形成自查报告。",
    ),
    (
        PhaseKind.INSPECT,
        TaskKind.SUMMARY,
        "专项治理行动总体情况",
        [Level.CITY, Level.COUNTY],
        (7, 15),
        "报送专项治理行动总体情况。",
    ),
]


def _require_oversight_at(actor: User, unit: OrgUnit, what: str) -> None:
    if not selectors._holds(actor, selectors.OVERSIGHT_ROLES, {unit.pk}):
        raise PermissionDenied(f"只有{unit.name}的教育行政部门或督导人员可以{what}。")


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    organiser: OrgUnit,
    name: str,
    year: int,
    phases: Iterable[dict],
    tasks: Iterable[dict],
    description: str = "",
    weights: dict | None = None,
    edition: PolicyEdition | None = None,
) -> Campaign:
    """A campaign with its phases (``kind``, ``starts_on``, ``ends_on``, ``description``)
    and the reports units must file (``phase`` kind, ``kind``, ``title``, ``levels``, ``due_on``)."""
    _require_oversight_at(actor, organiser, "组织专项治理行动")
    name = _text(name, field="name", label="行动名称", max_length=100)
    edition = edition or selectors.current_edition()
    if edition is None:
        raise ApplicationError("尚未导入政策清单。")
    clean_weights = {}
    numbers = set(edition.items.values_list("number", flat=True))
    for key, value in (weights or {}).items():
        if not str(key).isdigit() or int(key) not in numbers:
            raise ApplicationError(f"权重中的条目“{key}”不在政策清单中。", field="weights")
        clean_weights[str(int(key))] = str(_weight(value))
    campaign = Campaign.objects.create(
        name=name,
        year=year,
        organiser=organiser,
        edition=edition,
        description=(description or "").strip(),
        weights=clean_weights,
        created_by=actor,
    )
    by_kind = {}
    for order, phase in enumerate(phases, start=1):
        kind = phase["kind"]
        if kind not in PhaseKind.values or kind in by_kind:
            raise ApplicationError(f"阶段“{kind}”无效或重复。", field="phases")
        if phase["ends_on"] < phase["starts_on"]:
            raise ApplicationError(f"{PhaseKind(kind).label}阶段的完成时限早于开始日期。", field="phases")
        by_kind[kind] = CampaignPhase.objects.create(
            campaign=campaign,
            kind=kind,
            order=order,
            starts_on=phase["starts_on"],
            ends_on=phase["ends_on"],
            description=phase.get("description", ""),
        )
    below = {level for level in LEVEL_ORDER if LEVEL_ORDER.index(level) > LEVEL_ORDER.index(organiser.level)}
    for task in tasks:
        phase = by_kind.get(task["phase"])
        if phase is None:
            raise ApplicationError(f"报送事项“{task['title']}”所属阶段不存在。", field="tasks")
        if task["kind"] not in TaskKind.values:
            raise ApplicationError(f"报送事项类型“{task['kind']}”无效。", field="tasks")
        levels = [level for level in LEVEL_ORDER if level in task["levels"] and level in below]
        if not levels:
            continue
        CampaignTask.objects.create(
            campaign=campaign,
            phase=phase,
            kind=task["kind"],
            title=task["title"],
            levels=[str(level) for level in levels],
            due_on=task["due_on"],
            description=task.get("description", ""),
        )
    audit_record(action="campaign.created", actor=actor, obj=campaign, org_unit=organiser)
    return campaign


def campaign_create_standard(*, actor: User, organiser: OrgUnit, year: int, name: str = "") -> Campaign:
    """The campaign of seed 003 for ``year``: 部署摸底 → 集中整治 → 督导检查 with the
    provincial task list's dates (3月20日台账、6月20日情况、7月15日总体情况)."""
    phases = [
        {
            "kind": kind,
            "starts_on": date(year, *start),
            "ends_on": date(year, *end),
            "description": description,
        }
        for kind, start, end, description in STANDARD_PHASES
    ]
    tasks = [
        {"phase": phase, "kind": kind, "title": title, "levels": levels, "due_on": date(year, *due), "description": d}
        for phase, kind, title, levels, due, d in STANDARD_TASKS
    ]
    return campaign_create(
        actor=actor,
        organiser=organiser,
        name=name or f"{year}年防范中小学生欺凌专项治理行动",
        year=year,
        phases=phases,
        tasks=tasks,
        description="依据《防范中小学生欺凌专项治理行动工作方案》（教基厅函〔2021〕5号）。",
    )


@transaction.atomic
def task_submit(
    *, actor: User, task: CampaignTask, unit: OrgUnit, note: str = "", on: date | None = None, uploaded_file=None
) -> TaskSubmission:
    """A unit files one of the campaign's reports. Filing after ``due_on`` is allowed and
    shows as late (逾期报送); a unit files each report once."""
    if not selectors.acts_for(actor, unit):
        raise PermissionDenied("只能以本人任职单位的名义报送。")
    campaign = task.campaign
    if not unit.is_within(campaign.organiser) or unit.level not in task.levels:
        raise ApplicationError(f"{unit.name}不需要报送“{task.title}”。", field="unit")
    on = _effective_date(on)
    note = _text(note, field="note", label="说明", required=uploaded_file is None)
    submission = TaskSubmission(task=task, org_unit=unit, submitted_on=on, note=note, submitted_by=actor)
    if uploaded_file is not None:
        _store_upload(submission, uploaded_file, check_upload(uploaded_file))
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        raise ApplicationError(f"{unit.name}已报送“{task.title}”，不能重复报送。")
    audit_record(
        action="campaign.task_submitted",
        actor=actor,
        obj=submission,
        org_unit=unit,
        detail={"task": task.pk, "late": submission.is_late},
    )
    return submission


# ---------------------------------------------------------------------------
# Inspections


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("target", "office").get(pk=inspection.pk)


def _require_draft(inspection: Inspection) -> None:
    if inspection.status != InspectionStatus.DRAFT:
        raise ApplicationError("检查已提交，不能再修改。")


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
    inspected_on = _effective_date(inspected_on, field="inspected_on")
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
    inspection = _lock(inspection)
    _require_editor(actor, inspection)
    _require_draft(inspection)
    fields = []
    if summary is not None:
        inspection.summary = _text(summary, field="summary", label="主要问题和结论", required=False)
        fields.append("summary")
    if inspected_on is not None:
        inspection.inspected_on = _effective_date(inspected_on, field="inspected_on")
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


def _result_row(inspection: Inspection, number: int) -> InspectionItem:
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
    inspection = _lock(inspection)
    _require_editor(actor, inspection)
    _require_draft(inspection)
    row = _result_row(inspection, number)
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
        row.finding = _text(finding, field="finding", label="检查发现", required=False)
        fields.append("finding")
    if weight is not None:
        row.weight = _weight(weight)
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
    inspection = _lock(inspection)
    _require_editor(actor, inspection)
    _require_draft(inspection)
    row = _result_row(inspection, number)
    content_type = check_upload(uploaded_file)
    evidence = Evidence(
        result=row,
        description=_text(description, field="description", label="说明", required=False, max_length=200),
        uploaded_by=actor,
    )
    _store_upload(evidence, uploaded_file, content_type)
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
    inspection = _lock(inspection)
    _require_editor(actor, inspection)
    _require_draft(inspection)
    rows = list(inspection.results.select_related("item").order_by("item__number"))
    unanswered = [r.item.number for r in rows if not r.result]
    if inspection.kind == InspectionKind.SELF_CHECK and unanswered:
        raise ApplicationError(f"自查须逐项填报，以下条目尚未填写结果：第{_numbers(unanswered)}项。")
    if len(unanswered) == len(rows):
        raise ApplicationError("尚未填写任何条目的检查结果。")
    missing = [r.item.number for r in rows if r.is_deficient and not r.finding.strip()]
    if missing:
        raise ApplicationError(f"未落实或部分落实的条目须写明检查发现：第{_numbers(missing)}项。")
    inspection.score = compute_score((r.result, r.weight) for r in rows)
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_by = actor
    inspection.submitted_at = timezone.now()
    inspection.save(update_fields=["score", "status", "submitted_by", "submitted_at", "updated_at"])
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


def _note(rect: Rectification, *, kind: str, on: date, text: str, actor: User | None) -> RectificationNote:
    return RectificationNote.objects.create(rectification=rect, kind=kind, on=on, text=text, actor=actor)


def _lock_rect(rect: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("unit", "inspection", "inspection__target", "inspection__office")
        .get(pk=rect.pk)
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
    inspection = _lock(inspection)
    if not (selectors.can_edit_inspection(actor, inspection) or selectors.oversees(actor, inspection.target)):
        raise PermissionDenied("只有检查单位可以下达整改。")
    if inspection.status != InspectionStatus.SUBMITTED:
        raise ApplicationError("检查提交后才能下达整改。")
    row = _result_row(inspection, number)
    if not row.is_deficient:
        raise ApplicationError(
            f"第{number}项的检查结果为“{row.get_result_display() or '未检查'}”，无需整改。", field="number"
        )
    unit = unit or inspection.target
    if not unit.is_within(inspection.target):
        raise ApplicationError("整改责任单位应为被检查单位或其下级单位。", field="unit")
    if Rectification.objects.filter(result=row, unit=unit).exclude(status=RectificationStatus.VERIFIED).exists():
        raise ApplicationError(f"第{number}项已对{unit.name}下达整改，尚未验收。", field="number")
    requirement = _text(requirement, field="requirement", label="整改要求")
    on = _effective_date(on, not_before=inspection.inspected_on, label="检查日期")
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
    _note(rect, kind=NoteKind.RAISED, on=on, text=f"下达整改，期限 {due:%Y-%m-%d}。", actor=actor)
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
    if rect.status == RectificationStatus.VERIFIED:
        raise ApplicationError("整改已复查验收，不能再记录进展。")
    text = _text(text, field="text", label="整改进展")
    on = _effective_date(on, not_before=rect.raised_on, label="下达整改日期")
    return _note(rect, kind=NoteKind.PROGRESS, on=on, text=text, actor=actor)


@transaction.atomic
def rectification_add_evidence(
    *, actor: User, rectification: Rectification, uploaded_file, description: str = ""
) -> RectificationEvidence:
    """Evidence of completion (整改佐证材料), uploaded by the responsible unit."""
    rect = _lock_rect(rectification)
    _require_unit(actor, rect)
    if rect.status == RectificationStatus.VERIFIED:
        raise ApplicationError("整改已复查验收，不能再上传材料。")
    content_type = check_upload(uploaded_file)
    evidence = RectificationEvidence(
        rectification=rect,
        description=_text(description, field="description", label="说明", required=False, max_length=200),
        uploaded_by=actor,
    )
    _store_upload(evidence, uploaded_file, content_type)
    evidence.save()
    _note(rect, kind=NoteKind.PROGRESS, on=_today(), text="上传整改佐证材料一份。", actor=actor)
    return evidence


@transaction.atomic
def rectification_complete(*, actor: User, rectification: Rectification, text: str, on: date | None = None):
    """The responsible unit reports the rectification done; it waits for 复查验收."""
    rect = _lock_rect(rectification)
    _require_unit(actor, rect)
    if rect.status != RectificationStatus.OPEN:
        raise ApplicationError(f"当前状态为“{rect.get_status_display()}”，不能报告整改完成。")
    text = _text(text, field="text", label="整改完成情况")
    on = _effective_date(on, not_before=rect.last_step_on)
    rect.status = RectificationStatus.COMPLETED
    rect.completed_on = on
    rect.last_step_on = on
    rect.save(update_fields=["status", "completed_on", "last_step_on", "updated_at"])
    _note(rect, kind=NoteKind.COMPLETED, on=on, text=text, actor=actor)
    return rect


@transaction.atomic
def rectification_verify(*, actor: User, rectification: Rectification, text: str = "", on: date | None = None):
    """复查验收 by an inspector or office above the responsible unit — never the unit itself."""
    rect = _lock_rect(rectification)
    if selectors.is_member_of(actor, rect.unit):
        raise PermissionDenied("整改责任单位不能自行复查验收，须由上级督导人员或教育行政部门验收。")
    if not selectors.can_verify(actor, rect):
        raise PermissionDenied("只有上级督导人员或教育行政部门可以复查验收。")
    if rect.status != RectificationStatus.COMPLETED:
        raise ApplicationError(f"当前状态为“{rect.get_status_display()}”，整改单位报告完成后才能复查验收。")
    on = _effective_date(on, not_before=rect.last_step_on)
    rect.status = RectificationStatus.VERIFIED
    rect.verified_on = on
    rect.verified_by = actor
    rect.last_step_on = on
    rect.save(update_fields=["status", "verified_on", "verified_by", "last_step_on", "updated_at"])
    _note(rect, kind=NoteKind.VERIFIED, on=on, text=(text or "").strip() or "复查验收通过。", actor=actor)
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
    if rect.status == RectificationStatus.OPEN:
        raise ApplicationError("整改尚在进行中，无需退回。")
    text = _text(text, field="text", label="退回理由")
    on = _effective_date(on, not_before=rect.last_step_on)
    fields = ["status", "completed_on", "verified_on", "verified_by", "reopen_count", "last_step_on", "updated_at"]
    if due_on is not None or days is not None:
        rect.due_on, rect.due_days, rect.due_steps = _due(unit=rect.unit, start=on, due_on=due_on, days=days)
        rect.due_start = on if rect.due_days else None
        fields += ["due_on", "due_days", "due_steps", "due_start"]
    rect.status = RectificationStatus.OPEN
    rect.completed_on = None
    rect.verified_on = None
    rect.verified_by = None
    rect.reopen_count += 1
    rect.last_step_on = on
    rect.save(update_fields=fields)
    _note(rect, kind=NoteKind.REOPENED, on=on, text=f"{text}（整改期限 {rect.due_on:%Y-%m-%d}）", actor=actor)
    audit_record(action="rectification.reopened", actor=actor, obj=rect, org_unit=rect.unit)
    return rect


@transaction.atomic
def rectification_recompute_due_dates(*, actor: User | None, reason: str, calendar=None) -> int:
    """Recompute every open rectification deadline counted in days; note each change.

    Registered with ``bullying.calendar`` (see ``InspectionsConfig.ready``): a change of
    the holiday calendar or of a region's rule never leaves a stale deadline.
    """
    changed = 0
    open_rects = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(status=RectificationStatus.OPEN, due_days__isnull=False, due_start__isnull=False)
    )
    for rect in open_rects:
        computed = compute_due(rect.due_start, rect.due_days, rule_for(rect.unit), calendar=calendar)
        if computed.due != rect.due_on:
            old = rect.due_on
            rect.due_on = computed.due
            rect.due_steps = list(computed.steps)
            rect.save(update_fields=["due_on", "due_steps", "updated_at"])
            _note(
                rect,
                kind=NoteKind.DUE_RECOMPUTED,
                on=_today(),
                text=f"{reason[:100]}：整改期限由 {old:%Y-%m-%d} 改为 {computed.due:%Y-%m-%d}。",
                actor=actor,
            )
            changed += 1
    return changed


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
    reason = _text(reason, field="reason", label="问责事由")
    decided_on = _effective_date(decided_on, field="decided_on")
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
    _require_oversight_at(actor, office, "组织督导批次")
    title = _text(title, field="title", label="批次名称", max_length=100)
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
    _require_oversight_at(actor, rnd.office, "公布督导结果")
    if rnd.is_published:
        raise ApplicationError("该批次已公布。")
    if not rnd.inspections.filter(status=InspectionStatus.SUBMITTED).exists():
        raise ApplicationError("该批次还没有已提交的检查，无法公布。")
    rnd.published_at = timezone.now()
    rnd.published_by = actor
    rnd.save(update_fields=["published_at", "published_by"])
    audit_record(action="round.published", actor=actor, obj=rnd, org_unit=rnd.office)
    return rnd
