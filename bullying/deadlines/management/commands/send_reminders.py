from django.core.management.base import BaseCommand

from bullying.deadlines.reminders import reminders_sweep


class Command(BaseCommand):
    help = "立即执行一次期限提醒与督办扫描（与定时任务相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="每隔多少秒重复一次（演示环境无 Redis 时使用）")

    def handle(self, *args, every, **options):
        import time

        while True:
            result = reminders_sweep()
            self.stdout.write(
                f"提醒扫描完成：新增提醒 {result.planned}，发送 {result.delivered}（通知 {result.notifications}），"
                f"取消 {result.cancelled}，新增督办 {result.escalations_opened}，解除督办 {result.escalations_resolved}。"
            )
            if not every:
                return
            time.sleep(every)
