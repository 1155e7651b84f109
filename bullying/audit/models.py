"""The append-only, tamper-evident audit log (models). Writes: ``bullying.audit.services``.

Rows carry ids and codes only: never a child's name or incident content. Each row stores
the SHA-256 of its content and of the previous row's hash.
"""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField(_("登录名"), max_length=150, blank=True)
    roles = models.CharField(_("角色"), max_length=200, blank=True)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.JSONField(_("说明"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        # The table keeps the name it had when the log was part of the project package:
        # its append-only trigger and the retention purge (migration bullying.0005) name it.
        db_table = "bullying_auditevent"
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def compute_hash(self) -> str:
        """SHA-256 over the previous hash and every recorded field, in a fixed order."""
        parts = [
            self.prev_hash,
            self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            str(self.actor_id or ""),
            self.username,
            self.roles,
            str(self.org_unit_id or ""),
            self.action,
            self.object_type,
            self.object_id,
            self.outcome,
            str(self.ip or ""),
            json.dumps(self.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def delete(self, *args, **kwargs):
        raise ValueError("audit events are append-only")


# Other apps add their own codes with setdefault, lazily translated or plain.
ACTION_LABELS: dict[str, str | Promise] = {
    "login.success": _("登录成功"),
    "login.failure": _("登录失败"),
    "login.locked": _("账号锁定"),
    "login.mfa_failure": _("动态口令错误"),
    "login.mfa_enrolled": _("绑定动态口令"),
    "logout": _("退出登录"),
    "session.expired": _("会话超时"),
    "access.denied": _("越权访问被拒绝"),
    "membership.added": _("授予角色"),
    "membership.removed": _("撤销角色"),
    "api.token_issued": _("签发接口令牌"),
    "org_units.imported": _("导入单位"),
    "case.read": _("查阅事件"),
    "unmask.requested": _("申请查看学生姓名"),
    "unmask.approved": _("批准查看学生姓名"),
    "unmask.rejected": _("驳回查看学生姓名"),
}
