"""Incident cases handled by a school's bullying-governance committee.

Lifecycle (API.md): reported → investigating → determined → handling → follow_up → closed.
A case found not to be bullying goes from determined to closed. Closed cases are the
archive (专门档案) and read-only. Every write goes through ``cases.services``, which
also appends to the case's timeline.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import COMMITTEE_ROLES, Role
from bullying.records import AppendOnly, StoredFile
from bullying.timeutil import today_local
from bullying.workflow import TransitionTable, transition


class Status(models.TextChoices):
    REPORTED = "reported", _("已受理")
    INVESTIGATING = "investigating", _("调查中")
    DETERMINED = "determined", _("已认定")
    HANDLING = "handling", _("处置中")
    FOLLOW_UP = "follow_up", _("跟踪观察")
    CLOSED = "closed", _("已结案归档")


OPEN_STATUSES = (Status.REPORTED, Status.INVESTIGATING, Status.DETERMINED, Status.HANDLING, Status.FOLLOW_UP)


class Source(models.TextChoices):
    STAFF = "staff", _("教职工发现")
    STUDENT = "student", _("学生报告")
    PARENT = "parent", _("家长反映")
    COMPLAINT_BOX = "complaint_box", _("举报投诉箱")
    HOTLINE = "hotline", _("举报电话")
    POLICE = "police", _("公安机关通报")
    REFERRAL = "referral", _("上级转办")
    PETITION = "petition", _("信访")
    ANONYMOUS = "anonymous", _("匿名举报")


class Form(models.TextChoices):
    PHYSICAL = "physical", _("肢体欺凌")
    VERBAL = "verbal", _("语言欺凌")
    CYBER = "cyber", _("网络欺凌")
    PROPERTY = "property", _("财产欺凌")
    EXCLUSION = "exclusion", _("关系欺凌（孤立排挤）")


class Severity(models.TextChoices):
    MINOR = "minor", _("情节轻微的一般欺凌")
    SERIOUS = "serious", _("情节比较恶劣")
    SEVERE = "severe", _("屡教不改或情节恶劣")
    CRIMINAL = "criminal", _("涉嫌违法犯罪")


INVESTIGATION_DAYS = 10  # 政策清单第30项：10日内完成调查处理

_COMMITTEE = COMMITTEE_ROLES
_CLOSED_REFUSAL = "案件已结案归档，不能再修改。"

# The case's workflow, declared once: the services check a step with
# ``CASE_TRANSITIONS.check(case, step)``, the case page offers the forms of the steps
# whose source status (and guard) match, the template reads ``visible_forms``.
CASE_TRANSITIONS = TransitionTable(
    "cases.Case",
    statuses=dict(Status.choices),
    transitions=[
        transition(
            "start",
            source=[Status.REPORTED],
            target=Status.INVESTIGATING,
            label="启动调查",
            service="case_start_investigation",
            form="OnForm",
            context_key="start_form",
            roles=_COMMITTEE,
        ),
        transition(
            "determine",
            source=[Status.INVESTIGATING],
            target=Status.DETERMINED,
            label="作出认定",
            service="case_determine",
            form="DetermineForm",
            context_key="determine_form",
            roles=_COMMITTEE,
        ),
        transition(
            "sign_off",
            source=OPEN_STATUSES,
            target=None,
            label="签发认定结论",
            service="case_sign_off",
            roles=[Role.COMMITTEE_CHAIR],
            refusal=_CLOSED_REFUSAL,
        ),
        transition(
            "measure",
            source=[Status.DETERMINED, Status.HANDLING, Status.FOLLOW_UP],
            target=None,  # the first measure moves a determined case to handling
            label="添加处置措施",
            service="case_add_measure",
            form="MeasureForm",
            context_key="measure_form",
            roles=_COMMITTEE,
            guard=lambda case: bool(case.is_bullying),
        ),
        transition(
            "notice",
            source=OPEN_STATUSES,
            target=None,
            label="记录家长告知",
            service="case_notify_parents",
            form="ParentNoticeForm",
            context_key="notice_form",
            roles=_COMMITTEE,
            refusal=_CLOSED_REFUSAL,
        ),
        transition(
            "start_follow_up",
            source=[Status.HANDLING],
            target=Status.FOLLOW_UP,
            label="转入跟踪观察",
            service="case_start_follow_up",
            form="OnForm",
            context_key="follow_up_start_form",
            roles=_COMMITTEE,
        ),
        transition(
            "follow_up",
            source=[Status.HANDLING, Status.FOLLOW_UP],
            target=None,
            label="记录跟踪观察",
            service="case_add_follow_up",
            form="FollowUpForm",
            context_key="follow_up_form",
            roles=_COMMITTEE,
        ),
        transition(
            "close",
            source=[Status.DETERMINED, Status.FOLLOW_UP],
            target=Status.CLOSED,
            label="结案",
            service="case_close",
            form="CloseForm",
            context_key="close_form",
            roles=_COMMITTEE,
            # A case found not to be bullying closes from determined; a bullying case
            # only after follow-up.
            guard=lambda case: case.status == Status.FOLLOW_UP or case.is_bullying is False,
        ),
    ],
)


class CaseQuerySet(models.QuerySet):
    @staticmethod
    def overdue_q(today: dt.date | None = None) -> models.Q:
        """An investigation still running after its due day (for filters and counts)."""
        return models.Q(status=Status.INVESTIGATING, investigation_due__lt=today or today_local())

    def overdue(self, today: dt.date | None = None) -> "CaseQuerySet":
        return self.filter(self.overdue_q(today))


class Case(models.Model):
    school = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="cases"
    )
    number = models.CharField(_("案件编号"), max_length=48, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED)

    occurred_at = models.DateTimeField(_("发生时间"))
    location = models.CharField(_("发生地点"), max_length=200)
    source = models.CharField(_("线索来源"), max_length=16, choices=Source.choices)
    forms = models.JSONField(_("欺凌形式"), default=list)
    summary = models.TextField(_("经过"))

    reported_on = models.DateField(_("受理日期"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    investigation_started_on = models.DateField(_("启动调查日期"), null=True, blank=True)
    investigation_due = models.DateField(_("调查处理期限"), null=True, blank=True, db_index=True)
    investigation_due_steps = models.JSONField(_("期限计算过程"), default=list, blank=True)
    determined_on = models.DateField(_("认定日期"), null=True, blank=True)
    handling_started_on = models.DateField(_("开始处置日期"), null=True, blank=True)
    follow_up_started_on = models.DateField(_("开始跟踪日期"), null=True, blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    closing_summary = models.TextField(_("结案说明"), blank=True)
    # The date of the latest workflow step; a new step may not be dated before it.
    last_step_on = models.DateField()

    is_bullying = models.BooleanField(_("是否认定为欺凌"), null=True, blank=True)
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, blank=True)
    # Set when an appeal's review overturns the school's determination (复查改变认定).
    reopened_by_review = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("欺凌事件")
        verbose_name_plural = _("欺凌事件")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "sequence"], name="case_number_per_school_year")
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="case_school_status"),
            models.Index(
                fields=["investigation_due"],
                name="case_open_investigation_due",
                condition=models.Q(status="investigating"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    def days_left(self, today=None) -> int | None:
        """Days until the investigation is due (negative when overdue); None if no clock runs."""
        if self.status != Status.INVESTIGATING or self.investigation_due is None:
            return None
        today = today or today_local()
        return (self.investigation_due - today).days

    @property
    def is_overdue(self) -> bool:
        left = self.days_left()
        return left is not None and left < 0

    @property
    def determined_late(self) -> bool:
        return bool(self.determined_on and self.investigation_due and self.determined_on > self.investigation_due)

    def get_forms_display(self) -> str:
        labels = dict(Form.choices)
        return "、".join(str(labels.get(f, f)) for f in self.forms)


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("受欺凌学生")
    PERPETRATOR = "perpetrator", _("实施欺凌学生")
    WITNESS = "witness", _("证人")


class Party(models.Model):
    """A person involved. Names are personal data of minors: masked outside the
    handling school and county (``cases.selectors.can_see_names``), never in URLs or logs."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("姓名"), max_length=50)
    student_no = models.CharField(_("学籍号"), max_length=32, blank=True)
    grade = models.CharField(_("年级"), max_length=20, blank=True)
    class_name = models.CharField(_("班级"), max_length=20, blank=True)
    is_external = models.BooleanField(_("非本校学生"), default=False)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: the family name and one star per remaining character."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


class Determination(models.Model):
    """The committee's finding (认定), made at a meeting and signed off by the chair."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="determinations")
    meeting_on = models.DateField(_("会议日期"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("出席委员"), related_name="+", blank=True
    )
    members_present_note = models.CharField(_("其他出席人员"), max_length=300, blank=True)
    is_bullying = models.BooleanField(_("是否构成欺凌"))
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, blank=True)
    reasoning = models.TextField(_("认定理由"))
    decided_on = models.DateField(_("认定日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["-decided_on", "-id"]
        get_latest_by = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} 认定 {self.decided_on}"


class MeasureKind(models.TextChoices):
    """处置措施目录 (政策清单第34–38、41–43项；教育部通知三(三))."""

    CRITICISM = "criticism", _("批评教育")
    APOLOGY_WRITTEN = "apology_written", _("书面道歉")
    APOLOGY_IN_PERSON = "apology_in_person", _("当面道歉")
    WARNING_TALK = "warning_talk", _("警示谈话")
    SANCTION_WARNING = "sanction_warning", _("纪律处分：警告")
    SANCTION_SERIOUS_WARNING = "sanction_serious_warning", _("纪律处分：严重警告")
    SANCTION_DEMERIT = "sanction_demerit", _("纪律处分：记过")
    SANCTION_PROBATION = "sanction_probation", _("纪律处分：留校察看（非义务教育阶段）")
    SANCTION_DROP_OUT = "sanction_drop_out", _("纪律处分：勒令退学（非义务教育阶段）")
    SANCTION_EXPULSION = "sanction_expulsion", _("纪律处分：开除学籍（非义务教育阶段）")
    POLICE_REPRIMAND = "police_reprimand", _("公安机关参与警示教育或予以训诫")
    QUALITY_RECORD = "quality_record", _("记入综合素质评价")
    SPECIALISED_SCHOOL = "specialised_school", _("转入专门学校（须批准）")
    EDUCATION_PLAN = "education_plan", _("专门教育方案（学时）")
    VICTIM_COUNSELLING = "victim_counselling", _("受欺凌学生心理辅导")
    FAMILY_SUPPORT = "family_support", _("家庭教育指导")
    CLASS_ADJUSTMENT = "class_adjustment", _("调整班级")
    SCHOOL_TRANSFER = "school_transfer", _("转学")
    POLICE_REFERRAL = "police_referral", _("移送公安机关")


# Measures that only fit some severities (教育部通知三(三), 政策清单第35–38项).
MEASURE_MIN_SEVERITY: dict[str, str] = {
    MeasureKind.POLICE_REPRIMAND: "serious",
    MeasureKind.QUALITY_RECORD: "serious",
    MeasureKind.SPECIALISED_SCHOOL: "severe",
    MeasureKind.POLICE_REFERRAL: "criminal",
}
SEVERITY_ORDER = ["minor", "serious", "severe", "criminal"]
MEASURES_NEEDING_APPROVAL = {MeasureKind.SPECIALISED_SCHOOL}
MEASURES_FOR_VICTIMS = {
    MeasureKind.VICTIM_COUNSELLING,
    MeasureKind.FAMILY_SUPPORT,
    MeasureKind.CLASS_ADJUSTMENT,
    MeasureKind.SCHOOL_TRANSFER,
}


class Measure(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("措施"), max_length=32, choices=MeasureKind.choices)
    party = models.ForeignKey(
        Party, verbose_name=_("对象"), null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    description = models.TextField(_("具体内容"), blank=True)
    responsible = models.CharField(_("责任人"), max_length=50)
    decided_on = models.DateField(_("决定日期"))
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    planned_hours = models.PositiveSmallIntegerField(_("计划学时"), null=True, blank=True)
    completed_hours = models.PositiveSmallIntegerField(_("已完成学时"), default=0)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approval_authority = models.CharField(_("批准机关"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("处置措施")
        verbose_name_plural = _("处置措施")
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


class NoticeDirection(models.TextChoices):
    TO_PARENTS = "to_parents", _("学校告知家长")
    FROM_PARENTS = "from_parents", _("家长告知学校")


class NoticeMethod(models.TextChoices):
    IN_PERSON = "in_person", _("当面")
    PHONE = "phone", _("电话")
    WRITTEN = "written", _("书面通知")
    MESSAGE = "message", _("短信或即时消息")


class ParentNotice(models.Model):
    """Each notification between the school and parents (政策清单第31项)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parent_notices")
    party = models.ForeignKey(Party, verbose_name=_("涉及学生"), null=True, blank=True, on_delete=models.PROTECT)
    direction = models.CharField(_("方向"), max_length=16, choices=NoticeDirection.choices)
    method = models.CharField(_("方式"), max_length=16, choices=NoticeMethod.choices)
    guardian = models.CharField(_("监护人（关系）"), max_length=50)
    content = models.TextField(_("告知内容"), blank=True)
    on = models.DateField(_("日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("家长告知记录")
        verbose_name_plural = _("家长告知记录")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.on}"


class FollowUp(models.Model):
    """An observation after handling (追踪观察和辅导, 政策清单第41–42项)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    party = models.ForeignKey(Party, verbose_name=_("观察对象"), null=True, blank=True, on_delete=models.PROTECT)
    on = models.DateField(_("日期"))
    note = models.TextField(_("观察与辅导情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("跟踪观察")
        verbose_name_plural = _("跟踪观察")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"跟踪 {self.on}"


class TimelineEntry(AppendOnly):
    """The append-only chronology of a case. ``text`` never carries a child's name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    on = models.DateField(_("发生日期"))
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("处置经过")
        verbose_name_plural = _("处置经过")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"


def _attachment_path(instance, filename: str) -> str:
    # Random stored name: the original name (which may hold a child's name) is kept in
    # the database only and never reaches the file system or a URL.
    import uuid

    return f"cases/{instance.case.school_id}/{uuid.uuid4().hex}"


class Attachment(StoredFile):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"附件 #{self.pk}"


class UnmaskStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class UnmaskGrant(models.Model):
    """A city or province official's request to see the children's names of one case.

    Purpose-bound (a stated reason), approved by a second official, valid for a limited
    time (``UNMASK_HOURS``); every read made under it is audited with its id.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unmask_grants")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField(_("查看目的"))
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("状态"), max_length=16, choices=UnmaskStatus.choices, default=UnmaskStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("查看姓名申请")
        verbose_name_plural = _("查看姓名申请")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"查看姓名申请 #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == UnmaskStatus.APPROVED and self.expires_at is not None and self.expires_at > timezone.now()
