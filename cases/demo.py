"""Demo cases in every state, some overdue, built through the real services."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, Role
from bullying.timeutil import today_local
from cases import services
from cases.models import Case, MeasureKind, PartyRole

NAMES = ["李小明", "王浩然", "张子涵", "刘思远", "陈雨桐", "杨一诺", "赵嘉怡", "黄俊杰", "周欣然", "吴天宇"]

STORIES = [
    (
        "教学楼三楼走廊",
        ["verbal", "exclusion"],
        "课间多名同学围住受害学生起侮辱性绰号，并在班级中号召其他同学孤立该生。",
    ),
    ("学校操场东侧", ["physical"], "体育课后，一名学生推搡受害学生并踢打其腿部，致其膝盖擦伤。"),
    ("班级微信群", ["cyber", "verbal"], "有学生在班级群内发布受害学生的丑化图片和辱骂言语，持续约一周。"),
    ("学生宿舍", ["property", "physical"], "两名学生多次强行索要受害学生的零花钱，并威胁不许告诉老师。"),
    ("食堂门口", ["physical"], "两名学生在食堂门口追逐打闹，一方跌倒擦伤，双方均称是玩耍。"),
]


def _chair(school):
    return Membership.objects.filter(org_unit=school, role=Role.COMMITTEE_CHAIR).select_related("user").first().user


def _open(school, n, reported_days_ago, story):
    chair = _chair(school)
    today = today_local()
    on = today - timedelta(days=reported_days_ago)
    location, forms, summary = story
    return (
        services.case_open(
            actor=chair,
            school=school,
            occurred_at=timezone.make_aware(datetime.combine(on - timedelta(days=1), time(10, 20))),
            location=location,
            source=["staff", "parent", "student", "hotline"][n % 4],
            forms=forms,
            summary=summary,
            parties=[
                {
                    "role": PartyRole.VICTIM,
                    "name": NAMES[n % 10],
                    "student_no": f"G33010620{n:04d}",
                    "grade": "七年级",
                    "class_name": "2班",
                },
                {
                    "role": PartyRole.PERPETRATOR,
                    "name": NAMES[(n + 3) % 10],
                    "student_no": f"G33010621{n:04d}",
                    "grade": "七年级",
                    "class_name": "3班",
                },
                {"role": PartyRole.WITNESS, "name": NAMES[(n + 6) % 10], "grade": "七年级", "class_name": "2班"},
            ],
            on=on,
        ),
        chair,
        on,
    )


def _demo_case(school, n, target):
    """Walk one case to ``target`` with realistic dates in the past."""
    # The horseplay story (the last one) belongs to the case found not to be bullying.
    story = STORIES[-1] if target == "not_bullying" else STORIES[n % (len(STORIES) - 1)]
    days_ago = {
        "reported": 1,
        "investigating": 4,
        "overdue": 20,
        "determined": 12,
        "handling": 16,
        "follow_up": 26,
        "closed": 40,
        "not_bullying": 9,
    }[target]
    case, chair, on = _open(school, n, days_ago, story)
    if target == "reported":
        return case
    start = on + timedelta(days=1)
    services.case_start_investigation(actor=chair, case=case, on=start)
    if target in ("investigating", "overdue"):
        return case
    decided = start + timedelta(days=5)
    if target == "not_bullying":
        services.case_determine(
            actor=chair,
            case=case,
            is_bullying=False,
            reasoning="经调查，双方系同学间打闹嬉戏，无欺凌故意，不构成欺凌。",
            on=decided,
        )
        services.case_notify_parents(
            actor=chair,
            case=case,
            direction="to_parents",
            method="phone",
            guardian="母亲",
            content="告知调查结论",
            on=decided,
        )
        services.case_close(actor=chair, case=case, summary="不构成欺凌，已对双方进行安全教育。", on=decided)
        return case
    severity = "serious" if n % 3 == 0 else "minor"
    services.case_determine(
        actor=chair,
        case=case,
        is_bullying=True,
        severity=severity,
        reasoning="经委员会调查取证、听取双方及证人陈述，认定该行为系故意实施，造成受害学生身心伤害，构成欺凌。",
        on=decided,
    )
    services.case_notify_parents(
        actor=chair,
        case=case,
        direction="to_parents",
        method="in_person",
        guardian="父亲",
        content="告知认定结果及申诉途径",
        on=decided,
    )
    if target == "determined":
        return case
    victim = case.parties.get(role=PartyRole.VICTIM)
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)
    handled = decided + timedelta(days=1)
    services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.CRITICISM, party=perpetrator, responsible="班主任", on=handled
    )
    services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.APOLOGY_WRITTEN, party=perpetrator, responsible="班主任", on=handled
    )
    plan = services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=perpetrator,
        responsible="德育主任",
        planned_hours=16,
        due_on=handled + timedelta(days=30),
        description="法治教育与心理健康教育课程",
        on=handled,
    )
    services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.VICTIM_COUNSELLING, party=victim, responsible="心理教师", on=handled
    )
    if target == "handling":
        return case
    services.measure_record_progress(actor=chair, measure=plan, completed_hours=16)
    services.measure_record_progress(actor=chair, measure=plan, completed_on=handled + timedelta(days=5))
    follow = handled + timedelta(days=6)
    services.case_start_follow_up(actor=chair, case=case, on=follow)
    services.case_add_follow_up(
        actor=chair,
        case=case,
        note="两名学生关系已缓和，受害学生情绪稳定，继续观察。",
        party=victim,
        on=follow + timedelta(days=2),
    )
    if target == "follow_up":
        return case
    services.case_close(
        actor=chair, case=case, summary="措施落实到位，跟踪观察无反复，结案归档。", on=follow + timedelta(days=6)
    )
    return case


TARGETS = ["reported", "investigating", "overdue", "determined", "handling", "follow_up", "closed", "not_bullying"]


def seed_cases(stdout) -> None:
    if Case.objects.exists():
        stdout.write("已有事件数据，跳过演示事件。")
        return
    schools = list(OrgUnit.objects.filter(level="school").order_by("code"))
    n = 0
    with transaction.atomic():
        for i, school in enumerate(schools):
            # The first school of each county (whose logins seed_demo prints) gets every state.
            targets = TARGETS if school.code.endswith("01") else TARGETS[i % len(TARGETS) :][:3]
            for target in targets:
                _demo_case(school, n, target)
                n += 1
    stdout.write(f"演示事件 {n} 件（含各状态及超期事件）。")
