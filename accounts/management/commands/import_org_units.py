from django.core.management.base import BaseCommand, CommandError

from accounts.services import org_units_import, read_org_unit_file
from bullying.errors import ApplicationError


class Command(BaseCommand):
    help = "导入组织机构（.csv 或 .xlsx，列 code,name,level,parent_code）。有任何错误行则整批不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            rows = read_org_unit_file(file)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        result = org_units_import(rows=rows)
        if result.errors:
            raise CommandError("文件有误，未导入任何单位：\n" + "\n".join(result.errors))
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}。")
        )
