"""Build a believable demo province with one user per role per unit.

Safe to run again: units are imported by code and users added by username, so a second
run changes nothing. Later features add their own demo data through ``DEMO_EXTENSIONS``.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.models import Level, Role
from accounts.services import _Row, org_units_import, user_add

DEMO_PASSWORD = "Xiaoyuan@Anquan2026"

# Real administrative division codes; school codes in the 10-digit 学校标识码 shape.
PROVINCE = ("330000", "浙江省", "zj")
CITIES = [
    ("330100", "杭州市", "hz", [("330106", "西湖区", "xihu"), ("330105", "拱墅区", "gongshu")]),
    ("330200", "宁波市", "nb", [("330203", "海曙区", "haishu"), ("330212", "鄞州区", "yinzhou")]),
]
SCHOOL_NAMES = ["实验小学", "第一中学", "育才初级中学"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "海燕", "志强", "丽娟", "伟", "静", "晓明", "秀英", "军", "敏", "涛", "婷", "磊", "霞", "斌", "芳"]

# Features append dotted paths of callables ``(stdout) -> None`` that add their demo data.
DEMO_EXTENSIONS: list[str] = [
    "cases.demo.seed_cases",
    "cases.appeals.demo.seed_appeals",
    "reporting.demo.seed_reports",
    "inspections.demo.seed_inspections",
]


class _Names:
    def __init__(self):
        self.i = 0

    def next(self) -> str:
        name = SURNAMES[self.i % len(SURNAMES)] + GIVEN[(self.i * 7) % len(GIVEN)]
        self.i += 1
        return name


def demo_units() -> list[_Row]:
    rows = [_Row(0, PROVINCE[0], PROVINCE[1], Level.PROVINCE, "")]
    for city_code, city_name, _, counties in CITIES:
        rows.append(_Row(0, city_code, city_name, Level.CITY, PROVINCE[0]))
        for county_code, county_name, _ in counties:
            rows.append(_Row(0, county_code, f"{city_name}{county_name}", Level.COUNTY, city_code))
            for n, school in enumerate(SCHOOL_NAMES, start=1):
                rows.append(
                    _Row(0, f"21{county_code}{n:02d}", f"{city_name}{county_name}{school}", Level.SCHOOL, county_code)
                )
    return rows


def demo_users() -> list[tuple[str, str, str]]:
    """(username, org code, role) for one user per role per unit."""
    users = [
        (f"{PROVINCE[2]}_province", PROVINCE[0], Role.PROVINCE_OFFICER),
        (f"{PROVINCE[2]}_inspector", PROVINCE[0], Role.INSPECTOR),
        (f"{PROVINCE[2]}_auditor", PROVINCE[0], Role.AUDITOR),
        (f"{PROVINCE[2]}_sysadmin", PROVINCE[0], Role.SYSADMIN),
    ]
    for city_code, _, city_slug, counties in CITIES:
        users += [
            (f"{city_slug}_city", city_code, Role.CITY_OFFICER),
            (f"{city_slug}_inspector", city_code, Role.INSPECTOR),
        ]
        for county_code, _, county_slug in counties:
            users += [
                (f"{county_slug}_county", county_code, Role.COUNTY_OFFICER),
                (f"{county_slug}_expert", county_code, Role.REVIEW_EXPERT),
                (f"{county_slug}_inspector", county_code, Role.INSPECTOR),
            ]
            for n in range(1, len(SCHOOL_NAMES) + 1):
                school = f"21{county_code}{n:02d}"
                users += [
                    (f"{county_slug}_s{n}_staff", school, Role.SCHOOL_STAFF),
                    (f"{county_slug}_s{n}_member", school, Role.COMMITTEE_MEMBER),
                    (f"{county_slug}_s{n}_chair", school, Role.COMMITTEE_CHAIR),
                ]
    return users


class Command(BaseCommand):
    help = "生成演示数据：一个省（2 市 × 2 区 × 3 校）和每个单位每个角色一名用户。"

    def handle(self, *args, **options):
        with transaction.atomic():
            result = org_units_import(rows=demo_units())
            if result.errors:  # pragma: no cover - the demo data is fixed
                raise RuntimeError(result.errors)
            names = _Names()
            table = []
            for username, org_code, role in demo_users():
                user_add(username=username, org_code=org_code, role=role, password=DEMO_PASSWORD, name=names.next())
                table.append((username, Role(role).label, org_code))
        for path in DEMO_EXTENSIONS:
            import_string(path)(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已就绪（单位新增 {result.created}）。所有演示账号的密码：{DEMO_PASSWORD}")
        )
        self.stdout.write("常用账号：")
        for username, label, org in table:
            if username.endswith(
                ("_province", "_city", "_county", "_s1_chair", "_s1_staff", "_auditor", "_sysadmin", "_expert")
            ) and (username.startswith(("zj", "hz", "xihu", "gongshu"))):
                self.stdout.write(f"  {username:<22} {label}（{org}）")
        self.stdout.write(
            f"共 {len(table)} 个账号，规则：<区>_s<校序号>_<staff|member|chair>，<区>_county，<市>_city 等。"
        )
