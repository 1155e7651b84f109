"""Demo appeals in every state, built through the real services on the demo cases.

Each county gets, where its demo cases allow: one appeal awaiting the acceptance
decision, one upheld, one not accepted (for the courts), one under review, one under
review and overdue, one decided confirming the school, one decided overturning it (the
case goes back to the school), and one filed with the city. Dates are in the past.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from accounts.models import Membership, OrgUnit, Role
from bullying.timeutil import today_local
from cases.appeals import services as appeal_services
from cases.appeals.models import Appeal, PanelKind
from cases.models import Case, Determination

RELATIONS = ["受欺凌学生母亲", "受欺凌学生父亲", "实施欺凌学生父亲", "实施欺凌学生母亲"]
APPELLANTS = ["林秀华", "郑国强", "冯志远", "何丽萍", "宋建军", "唐美玲", "许文斌", "邓晓燕"]
GROUNDS = [
    "学校认定的严重程度偏轻，孩子受到的伤害明显，请求复查。",
    "孩子只是与同学玩闹，学校认定为欺凌依据不足，调查时未听取我方陈述。",
    "学校调查未询问在场的其他同学，认定事实不清，请求重新调查。",
    "对处理结果有异议，认为学校未充分考虑孩子长期被孤立的情况。",
]


@dataclass(frozen=True)
class Plan:
    """One demo appeal: ``need`` days between the school's determination and today; the
    steps happen on offsets from the received day (``today - need + 1``)."""

    state: str
    need: int
    steps: dict


PLANS = [
    Plan("overdue", 24, {"accept": 1, "panel": 2}),
    Plan("filed", 22, {"accept": 1, "panel": 2, "decide": 12, "file": 15}),
    Plan("overturned", 16, {"accept": 1, "panel": 2, "decide": 11}),
    Plan("confirmed", 15, {"accept": 1, "panel": 3, "decide": 10}),
    Plan("reviewing", 7, {"accept": 2, "panel": 3}),
    Plan("upheld", 5, {"uphold": 2}),
    Plan("not_accepted", 4, {"refer": 2}),
    Plan("received", 2, {}),
]


def _member(school: OrgUnit, role: str):
    m = Membership.objects.filter(org_unit=school, role=role).select_related("user").first()
    return m.user if m else None


def _panel(case: Case, county: OrgUnit, determination: Determination):
    """School rep: a committee member of the school who did not take part; parent rep: a
    committee member of another school of the county (committees include parent reps);
    expert: the county's review expert."""
    taken = {determination.recorded_by_id, determination.signed_off_by_id}
    taken.update(determination.members_present.values_list("pk", flat=True))
    schools = list(OrgUnit.objects.filter(parent=county, level="school").order_by("code"))
    school_rep = _member(case.school, Role.COMMITTEE_MEMBER)
    others = [s for s in schools if s.pk != case.school_id]
    parent_rep = next((u for s in others if (u := _member(s, Role.COMMITTEE_MEMBER)) and u.pk not in taken), None)
    expert = _member(county, Role.REVIEW_EXPERT)
    members = [(school_rep, PanelKind.SCHOOL_REP), (parent_rep, PanelKind.PARENT_REP), (expert, PanelKind.EXPERT)]
    if any(u is None or u.pk in taken for u, _k in members):
        return None
    return members


def _walk(plan: Plan, case: Case, officer, n: int, today: date) -> Appeal | None:
    determination = case.determinations.order_by("-decided_on", "-id").first()
    start = today - timedelta(days=plan.need - 1)
    members = _panel(case, case.school.parent, determination)
    if plan.steps.get("panel") is not None and members is None:
        return None
    appeal = appeal_services.appeal_lodge(
        actor=officer,
        case=case,
        appellant_name=APPELLANTS[n % len(APPELLANTS)],
        appellant_relation=RELATIONS[n % len(RELATIONS)],
        grounds=GROUNDS[n % len(GROUNDS)],
        received_on=start,
    )
    s = plan.steps
    day = lambda k: start + timedelta(days=s[k])  # noqa: E731
    if "uphold" in s:
        appeal_services.appeal_uphold(actor=officer, appeal=appeal, on=day("uphold"))
    if "refer" in s:
        appeal_services.appeal_refer_legal(
            actor=officer,
            appeal=appeal,
            reasons="申诉人已就同一事项向人民法院提起民事诉讼，法院已立案，不宜由防治学生欺凌工作部门受理。",
            legal_route="court",
            legal_route_note="已告知申诉人依诉讼程序办理",
            on=day("refer"),
        )
    if "accept" in s:
        appeal_services.appeal_accept_review(actor=officer, appeal=appeal, on=day("accept"))
    if "panel" in s:
        appeal_services.appeal_form_panel(actor=officer, appeal=appeal, members=members, on=day("panel"))
    if "decide" in s:
        is_bullying, severity = bool(case.is_bullying), case.severity
        if plan.state == "overturned":
            if is_bullying:
                severity = "serious" if severity == "minor" else "minor"
            else:
                is_bullying, severity = True, "minor"
        appeal_services.appeal_decide(
            actor=officer,
            appeal=appeal,
            is_bullying=is_bullying,
            severity=severity,
            opinion=(
                "经复查，调查小组听取了双方学生及家长陈述，查阅了学校调查材料。建议学校对实施欺凌学生"
                "加强法治教育和心理健康教育，落实专门教育方案；对受欺凌学生持续开展心理辅导，做好跟踪观察。"
            ),
            on=day("decide"),
        )
    if "file" in s:
        appeal_services.appeal_file(actor=officer, appeal=appeal, on=day("file"))
    return appeal


def seed_appeals(stdout) -> None:
    if Appeal.objects.exists():
        stdout.write("已有申诉数据，跳过演示申诉。")
        return
    today = today_local()
    made = 0
    with transaction.atomic():
        for county in OrgUnit.objects.filter(level="county").order_by("code"):
            officer = _member(county, Role.COUNTY_OFFICER)
            if officer is None:
                continue
            cases = [
                c
                for c in Case.objects.filter(school__parent=county, determined_on__isnull=False)
                .select_related("school", "school__parent")
                .order_by("determined_on", "id")
            ]
            used: set[int] = set()
            for n, plan in enumerate(PLANS):
                # The youngest case old enough for this plan, so older ones stay for the rest.
                eligible = [c for c in cases if c.pk not in used and (today - c.determined_on).days >= plan.need]
                if not eligible:
                    continue
                case = eligible[-1]
                if _walk(plan, case, officer, made + n, today) is not None:
                    used.add(case.pk)
                    made += 1
    stdout.write(f"演示申诉 {made} 件（含待受理、维持、不予受理、复查中及超期、已决定及改变认定、已备案）。")
