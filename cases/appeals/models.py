"""Appeals against a school committee's determination and the county's review (申诉 / 复查,
政策清单第45–46项). Every write goes through ``cases.appeals.services``, which also writes
each step on the case's timeline.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from accounts.models import Role
from bullying.records import StoredFile
from bullying.timeutil import today_local
from bullying.workflow import TransitionTable, transition
from cases.models import Case, Determination, Severity

REVIEW_DAYS = 15  # 政策清单第45项：复查工作应在15日内完成


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("已收到申诉")
    REVIEWING = "reviewing", _("复查中")
    UPHELD = "upheld", _("维持学校处理结果")
    NOT_ACCEPTED = "not_accepted", _("不予受理（引导法律程序）")
    DECIDED = "decided", _("已作出复查决定")
    FILED = "filed", _("已报上级备案")


# An appeal still being handled; a case has at most one at a time.
OPEN_APPEAL_STATUSES = (AppealStatus.RECEIVED, AppealStatus.REVIEWING)


class LegalRoute(models.TextChoices):
    """Where an appeal the office does not accept is pointed (政策清单第46项)."""

    LEGAL_PROCEEDINGS = "legal_proceedings", _("纳入相应法律程序办理")
    COURT = "court", _("已在人民法院审理，依诉讼程序办理")
    LITIGATION = "litigation", _("向人民法院提起诉讼")
    POLICE = "police", _("向公安机关报案（涉嫌违反治安管理或犯罪）")
    RECONSIDERATION = "reconsideration", _("申请行政复议或提起行政诉讼")


class PanelKind(models.TextChoices):
    SCHOOL_REP = "school_rep", _("学校代表")
    PARENT_REP = "parent_rep", _("家长代表")
    EXPERT = "expert", _("校外专家")


_COUNTY = [Role.COUNTY_OFFICER]

# The appeal's workflow, declared once (services check it, the page reads it).
APPEAL_TRANSITIONS = TransitionTable(
    "appeals.Appeal",
    statuses=dict(AppealStatus.choices),
    noun="申诉",
    transitions=[
        transition(
            "uphold",
            source=[AppealStatus.RECEIVED],
            target=AppealStatus.UPHELD,
            label="作出维持决定",
            service="appeal_uphold",
            form="UpholdForm",
            context_key="uphold_form",
            roles=_COUNTY,
        ),
        transition(
            "accept_review",
            source=[AppealStatus.RECEIVED],
            target=AppealStatus.REVIEWING,
            label="受理复查",
            service="appeal_accept_review",
            form="AcceptReviewForm",
            context_key="accept_form",
            roles=_COUNTY,
        ),
        transition(
            "refer_legal",
            source=[AppealStatus.RECEIVED],
            target=AppealStatus.NOT_ACCEPTED,
            label="作出不予受理决定",
            service="appeal_refer_legal",
            form="ReferLegalForm",
            context_key="refer_form",
            roles=_COUNTY,
        ),
        transition(
            "panel",
            source=[AppealStatus.REVIEWING],
            target=None,
            label="组成复查调查小组",
            service="appeal_form_panel",
            form="PanelFormSet",
            context_key="panel_formset",
            roles=_COUNTY,
        ),
        transition(
            "decide",
            source=[AppealStatus.REVIEWING],
            target=AppealStatus.DECIDED,
            label="作出复查决定",
            service="appeal_decide",
            form="DecideForm",
            context_key="decide_form",
            roles=_COUNTY,
            # A panel has been formed (it is never emptied once formed).
            guard=lambda appeal: appeal.panel_formed_on is not None,
        ),
        transition(
            "file",
            source=[AppealStatus.DECIDED],
            target=AppealStatus.FILED,
            label="报上级备案",
            service="appeal_file",
            form="FileForm",
            context_key="file_form",
            roles=_COUNTY,
        ),
    ],
)


class AppealQuerySet(models.QuerySet):
    @staticmethod
    def overdue_q(today: dt.date | None = None) -> models.Q:
        """A review still running after its due day (for filters and counts)."""
        return models.Q(status=AppealStatus.REVIEWING, review_due__lt=today or today_local())

    def overdue(self, today: dt.date | None = None) -> "AppealQuerySet":
        return self.filter(self.overdue_q(today))


class Appeal(models.Model):
    """An appeal against a school committee's determination, handled by the county
    anti-bullying office (申诉). Every write goes through ``cases.appeals.services``;
    each step is also written on the case's timeline.

    Flow: received → upheld (the school's decision stands) | not_accepted (for the
    courts) | reviewing (15 days, a review panel) → decided → filed (备案 with the city).
    """

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="appeals")
    county = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="appeals"
    )
    determination = models.ForeignKey(
        Determination, verbose_name=_("被申诉的认定"), on_delete=models.PROTECT, related_name="appeals"
    )
    number = models.CharField(_("申诉编号"), max_length=48, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(_("状态"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.RECEIVED)

    appellant_name = models.CharField(_("申诉人"), max_length=50)
    appellant_relation = models.CharField(_("与学生关系"), max_length=50)
    grounds = models.TextField(_("申诉理由"))
    received_on = models.DateField(_("收到日期"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    forwarded_by = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("转交学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # The acceptance decision (uphold / accept for review / refer to the legal route).
    accepted_on = models.DateField(_("受理决定日期"), null=True, blank=True)
    acceptance_reasons = models.TextField(_("受理决定理由"), blank=True)
    acceptance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_route = models.CharField(_("告知的法律途径"), max_length=24, choices=LegalRoute.choices, blank=True)
    legal_route_note = models.CharField(_("法律途径说明"), max_length=300, blank=True)

    review_due = models.DateField(_("复查期限"), null=True, blank=True, db_index=True)
    review_due_steps = models.JSONField(_("期限计算过程"), default=list, blank=True)
    panel_formed_on = models.DateField(_("组成调查小组日期"), null=True, blank=True)

    decided_on = models.DateField(_("复查决定日期"), null=True, blank=True)
    decision_is_bullying = models.BooleanField(_("复查认定是否构成欺凌"), null=True, blank=True)
    decision_severity = models.CharField(_("复查认定严重程度"), max_length=16, choices=Severity.choices, blank=True)
    decision_opinion = models.TextField(_("处置意见"), blank=True)
    agreement_note = models.CharField(_("小组意见说明"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overturned = models.BooleanField(_("改变学校认定"), default=False)
    review_determination = models.ForeignKey(
        Determination, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filed_with = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("备案单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filing_note = models.CharField(_("备案说明"), max_length=300, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The date of the latest step; a new step may not be dated before it.
    last_step_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "sequence"], name="appeal_number_per_county_year"),
            # One open appeal per case: a second one waits until the first is decided.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["received", "reviewing"]),
                name="appeal_one_open_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "status"], name="appeal_county_status"),
            models.Index(fields=["review_due"], name="appeal_open_review_due", condition=models.Q(status="reviewing")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPEAL_STATUSES

    def days_left(self, today=None) -> int | None:
        """Days until the review is due (negative when overdue); None if no clock runs."""
        if self.status != AppealStatus.REVIEWING or self.review_due is None:
            return None
        today = today or today_local()
        return (self.review_due - today).days

    @property
    def is_overdue(self) -> bool:
        left = self.days_left()
        return left is not None and left < 0

    @property
    def decided_late(self) -> bool:
        return bool(self.decided_on and self.review_due and self.decided_on > self.review_due)


class PanelMember(models.Model):
    """A member of an appeal's review panel (复查调查小组). Access to the appeal and its
    case comes from a django-guardian grant on the appeal, removed when it is filed."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("身份"), max_length=16, choices=PanelKind.choices)
    appointed_on = models.DateField(_("选任日期"))
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Recorded with the decision: did the member agree with it?
    agreed = models.BooleanField(_("同意复查结论"), null=True, blank=True)

    class Meta:
        verbose_name = _("复查调查小组成员")
        verbose_name_plural = _("复查调查小组成员")
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["appeal", "user"], name="panel_member_once_per_appeal")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


def _appeal_attachment_path(instance, filename: str) -> str:
    return f"appeals/{instance.appeal.county_id}/{uuid.uuid4().hex}"


class AppealAttachment(StoredFile):
    """Material handed in with an appeal, stored under a random name (as case attachments)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_appeal_attachment_path, max_length=200)

    class Meta:
        verbose_name = _("申诉材料")
        verbose_name_plural = _("申诉材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"申诉材料 #{self.pk}"


class AppealUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on single appeals (a review panel member's access), with a
    real foreign key so that "appeals this user holds" is one indexed subquery."""

    content_object = models.ForeignKey(Appeal, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("申诉授权")
        verbose_name_plural = _("申诉授权")
