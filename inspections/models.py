"""Supervision against the 50-item policy list (政策清单, 教基厅函〔2021〕5号 附件2).

* ``PolicyEdition`` / ``PolicyItem`` — the list as data, versioned: an inspection points at
  the edition and items it was made against, so a later edition never rewrites it.
* ``Campaign`` — a special campaign (专项治理行动) with its phases (部署摸底 → 集中整治 →
  督导检查) and the reports each level must file (``CampaignTask``, ``TaskSubmission``).
* ``Inspection`` — a unit's self-check (对照自查) or a supervision by an office above
  (督导检查), one ``InspectionItem`` per applicable policy item; submitting locks it.
* ``Rectification`` — an order (整改) raised from an item not met, with a deadline, progress
  notes, evidence, verification (复查验收) by the office above, or reopening.
* ``AccountabilityMeasure`` — 通报、约谈、挂牌督办、一票否决 recorded against a unit.
* ``InspectionRound`` — a supervision round whose results are published (巡查结果向社会公布).

Every write goes through ``inspections.services``.
"""

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Level
from bullying.records import AppendOnly, StoredFile
from bullying.timeutil import today_local
from bullying.workflow import TransitionTable, transition

# ---------------------------------------------------------------------------------------
# The policy list


class Category(models.TextChoices):
    PREVENTION = "prevention", _("有效预防")
    HANDLING = "handling", _("妥善处置")
    MECHANISM = "mechanism", _("健全机制")


CATEGORY_NUMBERS = {Category.PREVENTION: 1, Category.HANDLING: 2, Category.MECHANISM: 3}
LEVEL_ORDER: list[str] = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.SCHOOL]


class PolicyEdition(models.Model):
    """One published version of the policy list. Exactly one edition is current: new
    inspections use it; older inspections keep pointing at theirs."""

    code = models.SlugField(_("版本代码"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=100)
    document = models.CharField(_("文件"), max_length=100, help_text=_("如“教基厅函〔2021〕5号 附件2”。"))
    issuer = models.CharField(_("发文机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    is_current = models.BooleanField(_("现行版本"), default=False)
    loaded_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("政策清单版本")
        verbose_name_plural = _("政策清单版本")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_edition")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.document}）"


class PolicyItem(models.Model):
    """One numbered measure (工作措施) of an edition, as published.

    ``for_<level>`` says which offices in the education system answer for it (教育系统责任单位:
    province/city/county bureau, school); a self-check or supervision of a unit uses the
    items of the unit's level.
    """

    edition = models.ForeignKey(PolicyEdition, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField(_("序号"))
    category = models.CharField(_("项目"), max_length=16, choices=Category.choices)
    topic = models.CharField(_("内容"), max_length=200)
    measure = models.TextField(_("工作措施"))
    responsible_units = models.CharField(_("教育系统责任单位"), max_length=200)
    for_province = models.BooleanField(_("省级教育行政部门"), default=False)
    for_city = models.BooleanField(_("市级教育行政部门"), default=False)
    for_county = models.BooleanField(_("县级教育行政部门"), default=False)
    for_school = models.BooleanField(_("中小学校"), default=False)
    office_in_charge = models.CharField(_("省教育厅责任处室"), max_length=200, blank=True)
    related_departments = models.JSONField(_("省直有关部门"), default=list, blank=True)
    # Fields carried down from a vertically merged cell of the printed table: {field: item number}.
    merged_from = models.JSONField(default=dict, blank=True)
    # Conversion damage repaired when the seed was read: [{"field", "seed", "published", "why"}].
    corrections = models.JSONField(default=list, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("政策清单条目")
        verbose_name_plural = _("政策清单条目")
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="policy_item_number_per_edition"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="policy_item_category_valid"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}项 {self.topic}"

    @property
    def levels(self) -> list[str]:
        return [level.value for level in LEVEL_ORDER if getattr(self, f"for_{level.value}")]

    def applies_to(self, level: str) -> bool:
        return bool(getattr(self, f"for_{level}", False))

    @property
    def category_number(self) -> int:
        return CATEGORY_NUMBERS[self.category]

    @property
    def levels_display(self) -> str:
        labels = dict(Level.choices)
        return "、".join(str(labels[level]) for level in self.levels)

    @property
    def related_departments_display(self) -> str:
        return "、".join(self.related_departments)


def level_filter(level: str) -> Q:
    """Items that apply to offices or schools of ``level``."""
    if level not in Level.values:
        return Q(pk__in=[])
    return Q(**{f"for_{level}": True})


# ---------------------------------------------------------------------------------------
# Campaigns (专项治理行动)


class Campaign(models.Model):
    """A special campaign run by an office for every unit under it."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    organiser = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="campaigns"
    )
    edition = models.ForeignKey(
        PolicyEdition, verbose_name=_("政策清单版本"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("说明"), blank=True)
    # Item weights for the campaign's inspections, {"30": "2"}; an item not listed weighs 1.
    weights = models.JSONField(_("条目权重"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("专项治理行动")
        verbose_name_plural = _("专项治理行动")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.name


class PhaseKind(models.TextChoices):
    DEPLOY = "deploy", _("部署摸底")
    RECTIFY = "rectify", _("集中整治")
    INSPECT = "inspect", _("督导检查")


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("阶段"), max_length=16, choices=PhaseKind.choices)
    order = models.PositiveSmallIntegerField(_("顺序"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("完成时限"))
    description = models.TextField(_("工作任务"), blank=True)

    class Meta:
        verbose_name = _("行动阶段")
        verbose_name_plural = _("行动阶段")
        ordering = ["campaign", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "kind"], name="campaign_phase_once")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"


class TaskKind(models.TextChoices):
    IMPLEMENTATION_PLAN = "implementation_plan", _("实施方案备案")
    SCREENING_LEDGER = "screening_ledger", _("排查台账")
    RECTIFICATION_MEASURES = "rectification_measures", _("整改措施")
    RECTIFICATION_REPORT = "rectification_report", _("集中整治情况")
    SELF_CHECK_REPORT = "self_check_report", _("自查报告")
    SUMMARY = "summary", _("专项治理行动总体情况")


class CampaignTask(models.Model):
    """A report each unit of ``levels`` under the organiser must file by ``due_on``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    phase = models.ForeignKey(CampaignPhase, verbose_name=_("阶段"), on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("报送事项"), max_length=32, choices=TaskKind.choices)
    title = models.CharField(_("名称"), max_length=100)
    levels = models.JSONField(_("报送单位层级"), default=list)
    due_on = models.DateField(_("报送时限"), db_index=True)
    description = models.TextField(_("要求"), blank=True)

    class Meta:
        verbose_name = _("报送事项")
        verbose_name_plural = _("报送事项")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def levels_display(self) -> str:
        labels = dict(Level.choices)
        return "、".join(str(labels[level]) for level in LEVEL_ORDER if level in self.levels)


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已按时报送")
    LATE = "late", _("逾期报送")
    MISSING = "missing", _("逾期未报")
    PENDING = "pending", _("未到期")


def _submission_path(instance, filename: str) -> str:
    # Random stored name: an uploaded file's own name never reaches the disk or a URL.
    return f"inspections/submissions/{instance.org_unit_id}/{uuid.uuid4().hex}"


class TaskSubmission(models.Model):
    task = models.ForeignKey(CampaignTask, on_delete=models.PROTECT, related_name="submissions")
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(_("报送日期"))
    note = models.TextField(_("说明"), blank=True)
    file = models.FileField(upload_to=_submission_path, max_length=200, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("报送记录")
        verbose_name_plural = _("报送记录")
        ordering = ["submitted_on", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "org_unit"], name="one_submission_per_unit")]

    def __str__(self) -> str:
        return f"{self.task} · {self.org_unit_id}"

    @property
    def is_late(self) -> bool:
        return self.submitted_on > self.task.due_on


def submission_status(task: CampaignTask, submission: TaskSubmission | None, today) -> str:
    if submission is not None:
        return SubmissionStatus.LATE if submission.submitted_on > task.due_on else SubmissionStatus.SUBMITTED
    return SubmissionStatus.MISSING if today > task.due_on else SubmissionStatus.PENDING


# ---------------------------------------------------------------------------------------
# Inspections


class InspectionKind(models.TextChoices):
    SELF_CHECK = "self_check", _("对照自查")
    SUPERVISION = "supervision", _("督导检查")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")


class Result(models.TextChoices):
    MET = "met", _("已落实")
    PARTLY_MET = "partly_met", _("部分落实")
    NOT_MET = "not_met", _("未落实")
    NOT_APPLICABLE = "not_applicable", _("不适用")


# Score of each result (不适用 is left out of the count altogether).
RESULT_VALUES = {Result.MET: Decimal(1), Result.PARTLY_MET: Decimal("0.5"), Result.NOT_MET: Decimal(0)}
# Findings that call for rectification.
DEFICIENT_RESULTS = (Result.NOT_MET, Result.PARTLY_MET)


_DRAFT_ONLY = "检查已提交，不能再修改。"

# An inspection is filled in as a draft and locked by submitting it (declared once).
INSPECTION_TRANSITIONS = TransitionTable(
    "inspections.Inspection",
    statuses=dict(InspectionStatus.choices),
    transitions=[
        transition(
            "edit",
            source=[InspectionStatus.DRAFT],
            target=None,
            label="修改检查",
            service="inspection_update",
            form="InspectionHeaderForm",
            context_key="header_form",
            refusal=_DRAFT_ONLY,
        ),
        transition(
            "set_result",
            source=[InspectionStatus.DRAFT],
            target=None,
            label="填报检查结果",
            service="inspection_set_result",
            form="ItemResultForm",
            refusal=_DRAFT_ONLY,
        ),
        transition(
            "evidence",
            source=[InspectionStatus.DRAFT],
            target=None,
            label="上传佐证材料",
            service="evidence_add",
            form="UploadForm",
            refusal=_DRAFT_ONLY,
        ),
        transition(
            "submit",
            source=[InspectionStatus.DRAFT],
            target=InspectionStatus.SUBMITTED,
            label="提交检查",
            service="inspection_submit",
            refusal=_DRAFT_ONLY,
        ),
        transition(
            "rectify",
            source=[InspectionStatus.SUBMITTED],
            target=None,
            label="下达整改",
            service="rectification_raise",
            form="RectificationRaiseForm",
            context_key="raise_form",
            refusal="检查提交后才能下达整改。",
        ),
    ],
)


class InspectionRound(models.Model):
    """A supervision round (一次专项督导) of an office; published results are public."""

    office = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("督导单位"), on_delete=models.PROTECT, related_name="inspection_rounds"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项治理行动"), null=True, blank=True, on_delete=models.PROTECT, related_name="rounds"
    )
    title = models.CharField(_("名称"), max_length=100)
    semester = models.CharField(_("学期"), max_length=40, blank=True, help_text=_("如“2026年秋季学期”。"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("督导批次")
        verbose_name_plural = _("督导批次")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Inspection(models.Model):
    """A self-check of ``target`` by itself, or a supervision of ``target`` by ``office``."""

    kind = models.CharField(_("类型"), max_length=16, choices=InspectionKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    target = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="inspections"
    )
    office = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("检查单位"), on_delete=models.PROTECT, related_name="inspections_made"
    )
    edition = models.ForeignKey(
        PolicyEdition, verbose_name=_("政策清单版本"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项治理行动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督导批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    is_spot_check = models.BooleanField(_("抽查"), default=False)
    is_unannounced = models.BooleanField(_("不打招呼（暗访）"), default=False)
    inspected_on = models.DateField(_("检查日期"))
    summary = models.TextField(_("主要问题和结论"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["target", "kind", "status"], name="inspection_target_kind")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InspectionKind.values), name="inspection_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="self_check") | Q(office=models.F("target")), name="self_check_by_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.get_kind_display()} {self.inspected_on:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return self.status == InspectionStatus.SUBMITTED

    @property
    def title(self) -> str:
        if self.kind == InspectionKind.SELF_CHECK:
            return f"{self.target.name}对照自查"
        return f"{self.office.name}对{self.target.name}的督导检查"


class InspectionItem(models.Model):
    """The finding on one policy item. ``result`` is blank until assessed."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(PolicyItem, verbose_name=_("条目"), on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal(1))
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, blank=True)
    finding = models.TextField(_("检查发现"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("逐项结果")
        verbose_name_plural = _("逐项结果")
        ordering = ["inspection", "item__number"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="one_result_per_item")]

    def __str__(self) -> str:
        return f"{self.inspection_id} #{self.item_id} {self.result or '未评'}"

    @property
    def is_deficient(self) -> bool:
        return self.result in DEFICIENT_RESULTS


def compute_score(rows) -> Decimal | None:
    """Weighted share of what is met, ×100, over the applicable items.

    ``rows`` are ``(result, weight)`` pairs. 已落实 counts 1, 部分落实 0.5, 未落实 0; 不适用
    and unassessed items are left out. None when nothing applicable has been assessed.
    """
    total = Decimal(0)
    earned = Decimal(0)
    for result, weight in rows:
        if result not in RESULT_VALUES:
            continue
        weight = Decimal(weight)
        total += weight
        earned += weight * RESULT_VALUES[result]
    if total == 0:
        return None
    return (earned * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _evidence_path(instance, filename: str) -> str:
    return f"inspections/evidence/{uuid.uuid4().hex}"


class Evidence(StoredFile):
    """A file supporting a finding (photo, scan, PDF, Word), stored privately."""

    result = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"佐证材料 #{self.pk}"


# ---------------------------------------------------------------------------------------
# Rectification (整改)


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    COMPLETED = "completed", _("已报整改完成，待复查")
    VERIFIED = "verified", _("复查验收通过")


RECTIFICATION_TRANSITIONS = TransitionTable(
    "inspections.Rectification",
    statuses=dict(RectificationStatus.choices),
    transitions=[
        transition(
            "progress",
            source=[RectificationStatus.OPEN, RectificationStatus.COMPLETED],
            target=None,
            label="记录整改进展",
            service="rectification_add_note",
            form="StepForm",
            context_key="note_form",
            refusal="整改已复查验收，不能再记录进展。",
        ),
        transition(
            "evidence",
            source=[RectificationStatus.OPEN, RectificationStatus.COMPLETED],
            target=None,
            label="上传整改佐证材料",
            service="rectification_add_evidence",
            form="UploadForm",
            context_key="upload_form",
            refusal="整改已复查验收，不能再上传材料。",
        ),
        transition(
            "complete",
            source=[RectificationStatus.OPEN],
            target=RectificationStatus.COMPLETED,
            label="报告整改完成",
            service="rectification_complete",
            form="StepForm",
            context_key="complete_form",
            refusal="当前状态为“{status}”，不能报告整改完成。",
        ),
        transition(
            "verify",
            source=[RectificationStatus.COMPLETED],
            target=RectificationStatus.VERIFIED,
            label="复查验收",
            service="rectification_verify",
            form="StepForm",
            context_key="verify_form",
            refusal="当前状态为“{status}”，整改单位报告完成后才能复查验收。",
        ),
        transition(
            "reopen",
            source=[RectificationStatus.COMPLETED, RectificationStatus.VERIFIED],
            target=RectificationStatus.OPEN,
            label="退回重新整改",
            service="rectification_reopen",
            form="ReopenForm",
            context_key="reopen_form",
            refusal="整改尚在进行中，无需退回。",
        ),
    ],
)


class RectificationQuerySet(models.QuerySet):
    @staticmethod
    def overdue_q(today: dt.date | None = None) -> Q:
        """An open rectification past its deadline (for filters and counts)."""
        return Q(status=RectificationStatus.OPEN, due_on__lt=today or today_local())

    def overdue(self, today: dt.date | None = None) -> "RectificationQuerySet":
        return self.filter(self.overdue_q(today))


class Rectification(models.Model):
    """An order to put right what an inspection found not (fully) met."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="rectifications")
    result = models.ForeignKey(InspectionItem, verbose_name=_("问题条目"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("整改责任单位"), on_delete=models.PROTECT, related_name="rectifications"
    )
    requirement = models.TextField(_("整改要求"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    raised_on = models.DateField(_("下达日期"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("整改期限"))
    # Set when the deadline is a number of days counted by the statutory calendar; such a
    # deadline is recomputed when the calendar changes. A fixed date leaves these empty.
    due_days = models.PositiveSmallIntegerField(_("整改期限（天）"), null=True, blank=True)
    due_start = models.DateField(null=True, blank=True)
    due_steps = models.JSONField(default=list, blank=True)
    completed_on = models.DateField(_("报告完成日期"), null=True, blank=True)
    verified_on = models.DateField(_("复查验收日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopen_count = models.PositiveSmallIntegerField(_("重新整改次数"), default=0)
    last_step_on = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["due_on"], name="rectification_open_due", condition=Q(status="open")),
            models.Index(fields=["unit", "status"], name="rectification_unit_status"),
        ]

    def __str__(self) -> str:
        return f"整改 #{self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.status == RectificationStatus.OPEN and today_local() > self.due_on


class NoteKind(models.TextChoices):
    RAISED = "raised", _("下达整改")
    PROGRESS = "progress", _("整改进展")
    COMPLETED = "completed", _("报告整改完成")
    VERIFIED = "verified", _("复查验收通过")
    REOPENED = "reopened", _("复查未通过，重新整改")
    DUE_RECOMPUTED = "due_recomputed", _("期限重新计算")


class RectificationNote(AppendOnly):
    """The append-only record of a rectification: every step and progress note."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=16, choices=NoteKind.choices)
    on = models.DateField(_("日期"))
    text = models.TextField(_("内容"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"


def _rectification_evidence_path(instance, filename: str) -> str:
    return f"inspections/rectifications/{uuid.uuid4().hex}"


class RectificationEvidence(StoredFile):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_rectification_evidence_path, max_length=200)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"整改佐证 #{self.pk}"


# ---------------------------------------------------------------------------------------
# Accountability (问责)


class AccountabilityKind(models.TextChoices):
    NOTICE = "notice", _("通报")
    INTERVIEW = "interview", _("约谈")
    LISTED = "listed_supervision", _("挂牌督办")
    VETO = "veto", _("一票否决")


class AccountabilityMeasure(models.Model):
    """通报、约谈、挂牌督办、一票否决 against a unit (政策清单第28、49项), with its cause."""

    unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("被问责单位"), on_delete=models.PROTECT, related_name="accountability"
    )
    kind = models.CharField(_("方式"), max_length=24, choices=AccountabilityKind.choices)
    reason = models.TextField(_("事由"))
    decided_on = models.DateField(_("决定日期"))
    office = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("决定单位"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("所涉检查"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("所涉事件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("问责")
        verbose_name_plural = _("问责")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inspection__isnull=False) | Q(case__isnull=False), name="accountability_has_cause"
            ),
            models.CheckConstraint(condition=Q(kind__in=AccountabilityKind.values), name="accountability_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
