"""Incident reports up the chain (首报 / 续报 / 终报) and the periodic statistics tables.

A report is written by the school about one case and climbs the organisation tree one
office at a time. Each office it reaches is one ``ReportHop``: the moment it arrived, when
the office signed for it (签收), its handling note, and when it forwarded it to the office
above. A report is visible to the school that wrote it and to exactly the offices it has
reached (``reporting.selectors.reports_visible_to``), never to a sibling unit and never to
an office above before it is forwarded there.

Reports leave the handling school and county, so their text never carries a child's full
name: the service masks every party's name before it is stored (政策清单第33项).

Every write goes through ``reporting.services``.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OFFICE_ROLES
from bullying.workflow import TransitionTable, transition


class ReportKind(models.TextChoices):
    INITIAL = "initial", _("首报")
    FOLLOW_UP = "follow_up", _("续报")
    FINAL = "final", _("终报")


class ReportStatus(models.TextChoices):
    """Where the report stands at the highest office it has reached (``current_unit``)."""

    PENDING = "pending", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    MINISTRY = "ministry", _("已报教育部")


# Where a report stands at the highest office it has reached (declared once). Each
# office's own 签收 and 转报 are recorded on its ``ReportHop``.
REPORT_TRANSITIONS = TransitionTable(
    "reporting.IncidentReport",
    statuses=dict(ReportStatus.choices),
    transitions=[
        transition(
            "acknowledge",
            source=[ReportStatus.PENDING],
            target=ReportStatus.ACKNOWLEDGED,
            label="签收",
            service="report_acknowledge",
            form="AcknowledgeForm",
            roles=OFFICE_ROLES,
        ),
        transition(
            "forward",
            source=[ReportStatus.ACKNOWLEDGED],
            target=None,  # pending at the office above, or ministry from the province
            label="转报",
            service="report_forward",
            form="ForwardForm",
            roles=OFFICE_ROLES,
        ),
    ],
)


class IncidentReport(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="incident_reports"
    )
    # The origin school (the case's school when the report was written), kept on the row
    # so that the school's own reports are one indexed filter.
    school = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("报送学校"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("报告编号"), max_length=64, unique=True)
    sequence = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("报告类别"), max_length=16, choices=ReportKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    current_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("当前所在单位"), on_delete=models.PROTECT, related_name="+"
    )

    content = models.TextField(_("报告内容"))
    severity = models.CharField(_("报送时的严重程度"), max_length=16, blank=True)
    public_concern = models.BooleanField(_("舆论高度关注"), default=False)

    reported_on = models.DateField(_("报送日期"))
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    # The time limit this report answered (None when nothing obliged it yet) and whether
    # it came after it (迟报). Computed once, at submission.
    due_at = models.DateTimeField(_("报送时限"), null=True, blank=True)
    is_late = models.BooleanField(_("迟报"), default=False)

    ministry_reported_at = models.DateTimeField(_("报教育部时间"), null=True, blank=True)
    ministry_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("欺凌事件报告")
        verbose_name_plural = _("欺凌事件报告")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="report_sequence_per_case"),
            models.UniqueConstraint(fields=["case"], condition=Q(kind="initial"), name="report_one_initial_per_case"),
            models.UniqueConstraint(fields=["case"], condition=Q(kind="final"), name="report_one_final_per_case"),
        ]
        indexes = [
            models.Index(fields=["case", "kind"], name="report_case_kind"),
            models.Index(fields=["case", "submitted_at"], name="report_case_submitted"),
            models.Index(fields=["school", "kind"], name="report_school_kind"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def severity_label(self) -> str:
        from cases.models import Severity

        return str(dict(Severity.choices).get(self.severity, "")) if self.severity else ""


class ReportHopQuerySet(models.QuerySet):
    @staticmethod
    def overdue_q(now: dt.datetime | None = None) -> Q:
        """An office past its time limit: not signed for, or obliged to forward and not forwarded."""
        now = now or timezone.now()
        return Q(acknowledged_at__isnull=True, ack_due_at__lt=now) | Q(
            forward_due_at__lt=now, forwarded_at__isnull=True
        )

    def overdue(self, now: dt.datetime | None = None) -> "ReportHopQuerySet":
        return self.filter(self.overdue_q(now))


class ReportHop(models.Model):
    """One office a report has reached: arrival, 签收, handling note, forwarding."""

    report = models.ForeignKey(IncidentReport, on_delete=models.CASCADE, related_name="hops")
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("接收单位"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("收到时间"))
    ack_due_at = models.DateTimeField(_("签收时限"))
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set at 签收 when the rules oblige this office to pass the report on.
    forward_due_at = models.DateTimeField(_("转报时限"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("转报时间"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("处理意见"), blank=True)

    objects = ReportHopQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告流转")
        verbose_name_plural = _("报告流转")
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "org_unit"], name="report_hop_once_per_unit")]
        indexes = [
            models.Index(fields=["org_unit", "received_at"], name="report_hop_unit_received"),
            models.Index(fields=["ack_due_at"], name="report_hop_open_ack", condition=Q(acknowledged_at__isnull=True)),
            models.Index(
                fields=["forward_due_at"],
                name="report_hop_open_forward",
                condition=Q(forward_due_at__isnull=False, forwarded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.org_unit_id}"

    def ack_late(self, now=None) -> bool:
        """Signed for after the limit, or still unsigned past it."""
        if self.acknowledged_at is not None:
            return self.acknowledged_at > self.ack_due_at
        return (now or timezone.now()) > self.ack_due_at

    def forward_late(self, now=None) -> bool:
        if self.forward_due_at is None:
            return False
        if self.forwarded_at is not None:
            return self.forwarded_at > self.forward_due_at
        return (now or timezone.now()) > self.forward_due_at


class StatReturn(models.Model):
    """A unit's periodic statistics table (基本情况统计表) as submitted to the office above.

    The figures are computed from the case data when the unit submits; the snapshot is
    kept so that what was reported stays what was reported. A unit may correct its table
    (``revision`` goes up); timeliness is judged on the first submission.
    """

    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("统计期"), max_length=16)
    period_label = models.CharField(_("统计期名称"), max_length=60)
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    due_on = models.DateField(_("报送期限"))
    figures = models.JSONField(_("统计数据"), default=dict)
    comment = models.TextField(_("填报说明"), blank=True)
    submitted_on = models.DateField(_("报送日期"))
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    is_late = models.BooleanField(_("逾期报送"), default=False)
    revision = models.PositiveSmallIntegerField(_("修订次数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("统计表报送")
        verbose_name_plural = _("统计表报送")
        ordering = ["-period_end", "org_unit__path"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "period"], name="stat_return_once_per_period")]
        indexes = [models.Index(fields=["period", "org_unit"], name="stat_return_period_unit")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.period}"
