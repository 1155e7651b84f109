from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from bullying.audit.models import AuditEvent


class Command(BaseCommand):
    help = "删除超过保存期限（AUDIT_RETENTION_DAYS，至少 185 天）的审计记录。"

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL bullying.audit_purge = 'on'")
            deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(
            f"已删除 {deleted} 条 {cutoff:%Y-%m-%d} 之前的审计记录（保存期限 {settings.AUDIT_RETENTION_DAYS} 天）。"
        )
