from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The tamper-evident audit log: the lowest app, imported by every other, importing none."""

    name = "bullying.audit"
    label = "audit"
    verbose_name = "审计日志"
