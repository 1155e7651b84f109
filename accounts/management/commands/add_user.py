from django.core.management.base import BaseCommand, CommandError

from accounts.services import user_add
from bullying.errors import ApplicationError


class Command(BaseCommand):
    help = "创建用户（如不存在）并授予某单位的角色。一人可在多个单位任职。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="单位代码")
        parser.add_argument("--role", required=True, help="角色代码，如 committee_chair")
        parser.add_argument("--password", help="密码（至少 12 位）；不填则为新用户生成随机密码")
        parser.add_argument("--name", help="姓名")

    def handle(self, *args, username, org, role, password, name, **options):
        try:
            user, created, generated = user_add(
                username=username, org_code=org, role=role, password=password, name=name
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        verb = "已授予" if created else "已有"
        self.stdout.write(self.style.SUCCESS(f"{user.username}：{verb}角色 {role} @ {org}"))
        if generated:
            self.stdout.write(f"初始密码（仅显示一次）：{generated}")
