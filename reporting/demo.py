"""Demo incident reports in every state, and statistics tables, through the real services.

Everything happens in 杭州市西湖区 (whose logins ``seed_demo`` prints: xihu_s1_chair,
xihu_county, hz_city, zj_province):

- a report waiting at the county, one signed for there, one at the city, one waiting at
  the province, one reported to the Ministry (舆论高度关注);
- a late initial report (迟报), a follow-up now due after a new measure, a closed case
  with its final report;
- a serious case never reported (漏报) and a police-notified one never reported (疑似瞒报);
- the monthly statistics tables of two months ago: one school on time, one late, one missing.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, Role
from bullying.timeutil import today_local
from cases import services as case_services
from cases.models import Case, MeasureKind, PartyRole
from reporting import services
from reporting.models import IncidentReport
from reporting.periods import period_by_code

COUNTY = "330106"
STORIES = {
    "A": ("教学楼东侧楼梯间", ["physical", "verbal"], "课间两名学生在楼梯间将受害学生围堵，推搡并辱骂，致其手臂淤青。"),
    "B": ("学生宿舍", ["property", "physical"], "三名学生多次在宿舍强行索要受害学生财物，并殴打威胁其不许告诉老师。"),
    "C": ("校外奶茶店门口", ["physical"], "放学后多名学生在校外将受害学生拦下殴打，有路人拍摄视频。"),
    "D": ("班级微信群", ["cyber", "verbal"], "多名学生在班级群和短视频平台持续发布侮辱受害学生的图片和言语。"),
    "E": (
        "操场看台",
        ["physical", "exclusion"],
        "一名学生纠集他人在操场看台殴打受害学生，视频在网络流传，引发舆论关注。",
    ),
    "F": ("食堂", ["verbal", "exclusion"], "多名学生长期在食堂孤立、嘲笑受害学生，并将其餐盘打翻。"),
    "G": ("学校后门小巷", ["physical", "property"], "派出所通报：多名学生在学校后门小巷殴打受害学生并抢走其手机。"),
}
NAMES = [
    "孙小雨",
    "钱浩宇",
    "周子墨",
    "吴思琪",
    "郑一鸣",
    "冯雨涵",
    "陈嘉豪",
    "褚若溪",
    "卫子轩",
    "蒋欣怡",
    "沈博文",
    "韩梓萱",
]


def _member(unit: OrgUnit, role: str):
    return Membership.objects.filter(org_unit=unit, role=role).select_related("user").first().user


def _case(school, key: str, *, days_ago: int, source: str = "staff", n: int = 0) -> Case:
    today = today_local()
    on = today - timedelta(days=days_ago)
    location, forms, summary = STORIES[key]
    return case_services.case_open(
        actor=_member(school, Role.COMMITTEE_CHAIR),
        school=school,
        occurred_at=timezone.make_aware(datetime.combine(on - timedelta(days=1), time(16, 40))),
        location=location,
        source=source,
        forms=forms,
        summary=summary,
        parties=[
            {"role": PartyRole.VICTIM, "name": NAMES[n % 12], "grade": "八年级", "class_name": "1班"},
            {"role": PartyRole.PERPETRATOR, "name": NAMES[(n + 4) % 12], "grade": "八年级", "class_name": "3班"},
            {"role": PartyRole.PERPETRATOR, "name": NAMES[(n + 8) % 12], "grade": "九年级", "class_name": "2班"},
        ],
        on=on,
    )


def _determine(case: Case, severity: str, *, on) -> Case:
    chair = _member(case.school, Role.COMMITTEE_CHAIR)
    case_services.case_start_investigation(actor=chair, case=case, on=case.reported_on + timedelta(days=1))
    case_services.case_determine(
        actor=chair,
        case=case,
        is_bullying=True,
        severity=severity,
        reasoning="经委员会调查取证，行为系故意实施且造成明显身心伤害，认定构成欺凌。",
        on=on,
    )
    case.refresh_from_db()
    return case


def _handle(case: Case, *, on) -> None:
    chair = _member(case.school, Role.COMMITTEE_CHAIR)
    for p in case.parties.filter(role=PartyRole.PERPETRATOR):
        case_services.case_add_measure(
            actor=chair,
            case=case,
            kind=MeasureKind.EDUCATION_PLAN,
            party=p,
            responsible="德育主任",
            planned_hours=24,
            on=on,
        )
        case_services.case_add_measure(
            actor=chair, case=case, kind=MeasureKind.POLICE_REPRIMAND, party=p, responsible="法治副校长", on=on
        )


def _report(case: Case, kind: str, *, on, public_concern: bool = False) -> IncidentReport:
    return services.report_submit(
        actor=_member(case.school, Role.COMMITTEE_CHAIR),
        case=case,
        kind=kind,
        public_concern=public_concern,
        on=on,
    )


def _climb(report: IncidentReport, offices: list[OrgUnit], *, stop: str) -> None:
    """Sign for and forward up the offices; ``stop`` says where the report rests:
    ``pending:<i>`` waiting at office i, ``acknowledged:<i>`` signed there, ``ministry``."""
    notes = {
        "county": "已核实情况，责成学校落实处置措施并做好学生心理疏导，报市教育局。",
        "city": "已阅。请县区教育局加强督办，按时续报，报省教育厅。",
        "province": "舆论高度关注，报教育部主管司局。",
    }
    state, _, index = stop.partition(":")
    last = len(offices) - 1 if state == "ministry" else int(index)
    for i, office in enumerate(offices[: last + 1]):
        officer = _member(
            office, {"county": Role.COUNTY_OFFICER, "city": Role.CITY_OFFICER}.get(office.level, Role.PROVINCE_OFFICER)
        )
        if state == "pending" and i == last:
            return
        services.report_acknowledge(actor=officer, report=report, note="已签收。")
        if state == "acknowledged" and i == last:
            return
        services.report_forward(actor=officer, report=report, note=notes[office.level])


def seed_reports(stdout) -> None:
    if IncidentReport.objects.exists():
        stdout.write("已有事件报告，跳过演示报告。")
        return
    county = OrgUnit.objects.filter(code=COUNTY).select_related("parent", "parent__parent").first()
    if county is None:
        stdout.write("没有西湖区，跳过演示报告。")
        return
    s1, s2, s3 = list(OrgUnit.objects.filter(parent=county, level="school").order_by("code"))[:3]
    offices = [county, county.parent, county.parent.parent]
    today = today_local()
    with transaction.atomic():
        # At the province, waiting to be signed for: reported on time, passed up twice.
        a = _determine(_case(s1, "A", days_ago=8, n=0), "serious", on=today - timedelta(days=5))
        _climb(_report(a, "initial", on=a.determined_on), offices, stop="pending:2")

        # Waiting at the county.
        b = _determine(_case(s1, "B", days_ago=4, n=1), "severe", on=today - timedelta(days=1))
        _climb(_report(b, "initial", on=today), offices, stop="pending:0")

        # Reported three days late (迟报), signed for by the county, still to be forwarded;
        # a measure decided after it makes a follow-up report due (续报).
        c = _determine(_case(s2, "C", days_ago=14, n=2), "serious", on=today - timedelta(days=10))
        _climb(_report(c, "initial", on=c.determined_on + timedelta(days=3)), offices, stop="acknowledged:0")
        _handle(c, on=today)

        # Closed, with initial, follow-up and final reports; the final signed for by the city.
        d = _determine(_case(s1, "D", days_ago=30, n=3), "serious", on=today - timedelta(days=26))
        _climb(_report(d, "initial", on=d.determined_on), offices, stop="acknowledged:2")
        _handle(d, on=d.determined_on + timedelta(days=1))
        chair = _member(s1, Role.COMMITTEE_CHAIR)
        _climb(_report(d, "follow_up", on=today - timedelta(days=20)), offices, stop="acknowledged:1")
        case_services.case_start_follow_up(actor=chair, case=d, on=today - timedelta(days=15))
        case_services.case_add_follow_up(
            actor=chair, case=d, note="双方关系缓和，受害学生情绪稳定。", on=today - timedelta(days=10)
        )
        case_services.case_close(
            actor=chair, case=d, summary="措施落实到位，跟踪观察无反复。", on=today - timedelta(days=5)
        )
        d.refresh_from_db()
        _climb(_report(d, "final", on=today - timedelta(days=3)), offices, stop="acknowledged:1")

        # Wide public concern (舆论高度关注): all the way to the Ministry.
        e = _determine(_case(s3, "E", days_ago=6, n=4), "severe", on=today - timedelta(days=3))
        _climb(_report(e, "initial", on=e.determined_on, public_concern=True), offices, stop="ministry")

        # Never reported (漏报), and notified by the police and never reported (疑似瞒报).
        _determine(_case(s2, "F", days_ago=9, n=5), "serious", on=today - timedelta(days=6))
        _determine(_case(s3, "G", days_ago=7, source="police", n=6), "criminal", on=today - timedelta(days=4))

        # The monthly tables of two months ago (their due date has passed): s1 on time, s2 late, s3 missing; the county on time.
        before_last_month = today.replace(day=1) - timedelta(days=1)
        previous = period_by_code(f"{before_last_month.replace(day=1) - timedelta(days=1):%Y-%m}")
        services.stat_return_submit(
            actor=_member(s1, Role.COMMITTEE_CHAIR),
            unit=s1,
            period=previous.code,
            comment="本月无新增重大事件。",
            on=previous.due,
        )
        services.stat_return_submit(
            actor=_member(s2, Role.COMMITTEE_CHAIR),
            unit=s2,
            period=previous.code,
            comment="因负责人外出培训，延迟报送。",
            on=min(today, previous.due + timedelta(days=3)),
        )
        services.stat_return_submit(
            actor=_member(county, Role.COUNTY_OFFICER),
            unit=county,
            period=previous.code,
            comment="已汇总辖区学校情况。",
            on=previous.due,
        )
    stdout.write(
        f"演示事件报告 {IncidentReport.objects.count()} 份（待签收、已签收、逐级转报、报教育部、迟报各例），"
        "另有漏报和疑似瞒报事件各一件，及一期月度统计表的报送情况。"
    )
