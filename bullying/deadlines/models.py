"""The kernel's records: the statutory calendar's exceptions and region rules, in-app
notifications, reminders and escalations (督办).

Logic lives beside them: ``calendar`` (counting a period), ``notifications`` (delivery),
``reminders`` (the sweep and the registry of deadline kinds), ``services`` (the
sysadmin's calendar edits), ``selectors`` (reads that depend on who asks).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bullying.timeutil import today_local

# The statutory calendar

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班")


class DeadlineRule(models.TextChoices):
    # 《民法典》第二百零一条、第二百零三条: the default for "N日内".
    CALENDAR_DAYS = "calendar_days", _("按自然日计算")
    WORKING_DAYS = "working_days", _("按工作日计算")


class CalendarDay(models.Model):
    """One exception to the plain week.

    ``holiday``: a rest day even on a weekday (法定节假日). ``workday``: a working day even
    on a weekend (调休上班). Every other weekday is a working day; Saturday and Sunday are
    rest days.
    """

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, help_text=_("节日名称，如“国庆节”。"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=DayKind.values), name="calendarday_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} {self.get_kind_display()}"

    @property
    def is_rest(self) -> bool:
        return self.kind == DayKind.HOLIDAY

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅通知) has been entered in full.

    Due dates in other years are still computed, with weekends and whatever single days
    are stored, and their explanation says the year's schedule is not yet entered.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class RegionDeadlineSetting(models.Model):
    """How periods are counted in a unit and, unless overridden lower, everything under it."""

    org_unit = models.OneToOneField(
        "accounts.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="deadline_setting",
    )
    rule = models.CharField(_("期限计算规则"), max_length=16, choices=DeadlineRule.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("期限计算规则")
        verbose_name_plural = _("期限计算规则")
        constraints = [
            models.CheckConstraint(condition=models.Q(rule__in=DeadlineRule.values), name="regiondeadline_rule_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.rule}"


# ---------------------------------------------------------------------------------------
# Time


# Notifications


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("内容"), max_length=200)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"通知 #{self.pk} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# Reminders and escalations


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    CANCELLED = "cancelled", _("已取消")


class Reminder(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    due_on = models.DateField()
    threshold = models.CharField(max_length=20)
    fire_on = models.DateField()
    status = models.CharField(max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    escalation_unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=150)
    link = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("期限提醒")
        verbose_name_plural = _("期限提醒")
        indexes = [
            models.Index(fields=["fire_on"], name="reminder_pending_fire_on", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_overdue_threshold(self) -> bool:
        return self.threshold.startswith("overdue")


class Escalation(models.Model):
    """An overdue deadline shown to the office above as a 督办 item until resolved."""

    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    escalation_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="escalations")
    due_on = models.DateField()
    subject = models.CharField(max_length=150)
    link = models.CharField(max_length=200)
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["due_on", "id"]
        constraints = [
            # One open item per deadline; the unit tells apart the deadlines of a per-unit kind.
            models.UniqueConstraint(
                fields=["kind", "object_id", "unit"], condition=Q(resolved_at__isnull=True), name="escalation_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"督办 {self.kind}:{self.object_id}"

    @property
    def days_overdue(self) -> int:
        return (today_local() - self.due_on).days


# ---------------------------------------------------------------------------------------
# Thresholds
