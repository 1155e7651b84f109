from django.core.management.base import BaseCommand, CommandError

from bullying.audit.services import audit_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链；发现被篡改或删除的记录时报告第一条并以非零状态退出。"

    def handle(self, *args, **options):
        checked, broken = audit_verify()
        if broken is not None:
            raise CommandError(
                f"审计日志校验失败：第一条异常记录 id={broken.pk}（{broken.at:%Y-%m-%d %H:%M:%S}，"
                f"{broken.action}），之前 {checked} 条完好。该记录或其前一条记录被修改或删除。"
            )
        self.stdout.write(self.style.SUCCESS(f"审计日志完好：共校验 {checked} 条。"))
