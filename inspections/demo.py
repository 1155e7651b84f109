"""Demo supervision data, built through the real services (``seed_demo`` extension).

A provincial campaign with filed, late and missing reports; self-checks by the schools
and the bureau of 西湖区; a published supervision round of 杭州市 with rectifications in
every state; an accountability measure; one supervision still being written.
"""

from datetime import date, timedelta

from django.db import transaction

from accounts.models import Level, Membership, OrgUnit, Role
from accounts.selectors import subtree_q
from bullying.timeutil import today_local
from inspections import services
from inspections.models import Campaign, InspectionKind, Result, TaskKind

# Findings are about the work, never about a child (政策清单第33、44项).
FINDINGS = {
    Result.PARTLY_MET: [
        "相关制度已制定，但落实记录不完整，部分月份缺少台账。",
        "已开展专题教育，但覆盖年级不全，未形成常态化安排。",
        "工作方案已印发，官网公开信息未及时更新。",
        "培训已组织，但签到和学时记录不全。",
    ],
    Result.NOT_MET: [
        "未见相关工作记录，现场询问教师对该项要求不了解。",
        "未建立该项工作机制，无相应制度文件。",
        "抽查事件档案，调查处理超过10日且无延期说明。",
    ],
}
# Items whose measure is carried out by police or the courts, not by a school.
NOT_FOR_SCHOOLS = {26, 27, 29, 39}


def _user(unit: OrgUnit, role: str):
    membership = Membership.objects.filter(org_unit=unit, role=role).select_related("user").first()
    return membership.user if membership else None


def _result_for(number: int, salt: int, level: str) -> str:
    if level == Level.SCHOOL and number in NOT_FOR_SCHOOLS:
        return Result.NOT_APPLICABLE
    key = (number * 7 + salt * 11) % 23
    if key == 0:
        return Result.NOT_MET
    if key in (5, 13):
        return Result.PARTLY_MET
    return Result.MET


def _fill(inspection, actor, *, salt: int, summary: str, partial: bool = False) -> None:
    rows = list(inspection.results.select_related("item").order_by("item__number"))
    for i, row in enumerate(rows):
        if partial and i % 3:
            continue
        result = _result_for(row.item.number, salt, inspection.target.level)
        finding = ""
        if result in FINDINGS:
            options = FINDINGS[result]
            finding = options[(row.item.number + salt) % len(options)]
        services.inspection_set_result(
            actor=actor, inspection=inspection, number=row.item.number, result=result, finding=finding
        )
    services.inspection_update(actor=actor, inspection=inspection, summary=summary)


def _campaign_year(today: date) -> int:
    # The campaign's reports fall due March–July; in spring the demo shows last year's.
    return today.year if today >= date(today.year, 8, 1) else today.year - 1


def seed_inspections(stdout) -> None:
    if Campaign.objects.exists():
        stdout.write("已有督导检查数据，跳过演示督导检查。")
        return
    province = OrgUnit.objects.filter(level=Level.PROVINCE).order_by("code").first()
    city = OrgUnit.objects.filter(level=Level.CITY, parent=province).order_by("code").first()
    if province is None or city is None:
        stdout.write("没有演示单位，跳过演示督导检查。")
        return
    today = today_local()
    year = _campaign_year(today)
    province_officer = _user(province, Role.PROVINCE_OFFICER)
    city_inspector = _user(city, Role.INSPECTOR)
    city_officer = _user(city, Role.CITY_OFFICER)
    counties = list(city.children.filter(level=Level.COUNTY).order_by("code"))
    with transaction.atomic():
        campaign = services.campaign_create_standard(actor=province_officer, organiser=province, year=year)
        campaign.weights = {"30": "2", "45": "2"}  # the statutory 10- and 15-day rules weigh double
        campaign.save(update_fields=["weights"])
        _file_reports(campaign, today)

        # Self-checks: the bureau and the schools of the first county, in the inspection phase.
        county = counties[0]
        checked_on = min(date(year, 6, 25), today)
        for salt, unit in enumerate([county, *county.children.order_by("code")], start=1):
            actor = _user(unit, Role.COUNTY_OFFICER if unit.level == Level.COUNTY else Role.COMMITTEE_CHAIR)
            inspection = services.inspection_create(
                actor=actor,
                target=unit,
                kind=InspectionKind.SELF_CHECK,
                campaign=campaign,
                inspected_on=checked_on,
            )
            _fill(
                inspection,
                actor,
                salt=salt,
                summary="对照政策清单逐项自查，总体落实较好，个别条目记录不全，已明确整改措施。",
            )
            services.inspection_submit(actor=actor, inspection=inspection)

        # The city's supervision round, published.
        rnd = services.round_create(
            actor=city_inspector,
            office=city,
            title=f"{year}年春季学期防治学生欺凌专项督导",
            semester=f"{year}年春季学期",
            starts_on=date(year, 6, 16),
            ends_on=date(year, 7, 10),
            campaign=campaign,
        )
        visited = min(date(year, 6, 28), today)
        targets = [*counties, *(c.children.order_by("code").first() for c in counties)]
        supervisions = []
        for salt, unit in enumerate(targets, start=5):
            inspection = services.inspection_create(
                actor=city_inspector,
                target=unit,
                kind=InspectionKind.SUPERVISION,
                round=rnd,
                inspected_on=visited,
                is_spot_check=unit.level == Level.SCHOOL,
                is_unannounced=salt % 2 == 0,
            )
            _fill(
                inspection,
                city_inspector,
                salt=salt,
                summary="防治工作机构健全，专题教育开展较好；部分制度落实记录不完整，调查处理时限执行不严，须限期整改。",
            )
            supervisions.append(services.inspection_submit(actor=city_inspector, inspection=inspection))
        _rectify(supervisions, city_inspector, visited, today)
        services.round_publish(actor=city_inspector, round=rnd)

        worst = min(supervisions, key=lambda i: i.score or 100)
        services.accountability_record(
            actor=city_officer,
            unit=worst.target,
            kind="interview",
            reason="专项督导中多项防治措施未落实，约谈单位主要负责人，督促限期整改。",
            decided_on=min(visited + timedelta(days=5), today),
            inspection=worst,
        )

        # A supervision still being written (not visible to the inspected unit yet).
        other_city = OrgUnit.objects.filter(level=Level.CITY).exclude(pk=city.pk).order_by("code").first()
        province_inspector = _user(province, Role.INSPECTOR)
        if other_city is not None and province_inspector is not None:
            draft = services.inspection_create(
                actor=province_inspector,
                target=other_city,
                kind=InspectionKind.SUPERVISION,
                is_spot_check=True,
                is_unannounced=True,
            )
            _fill(draft, province_inspector, salt=3, summary="", partial=True)
    stdout.write(
        f"演示督导检查：专项治理行动 1 个，自查 {county.children.count() + 1} 份，"
        f"督导批次 1 个（{len(supervisions)} 份检查，已公布）。"
    )


def _file_reports(campaign: Campaign, today: date) -> None:
    """Most units file on time, some late, a few not at all."""
    units = OrgUnit.objects.filter(subtree_q([campaign.organiser])).order_by("path")
    for task in campaign.tasks.order_by("due_on"):
        if task.due_on > today:
            continue
        for n, unit in enumerate(u for u in units if u.level in task.levels):
            role = {
                Level.SCHOOL: Role.COMMITTEE_CHAIR,
                Level.COUNTY: Role.COUNTY_OFFICER,
                Level.CITY: Role.CITY_OFFICER,
            }[unit.level]
            actor = _user(unit, role)
            if actor is None:
                continue
            key = (n + task.pk) % 9
            if key == 0:
                continue  # missing
            on = task.due_on + timedelta(days=3) if key == 1 else task.due_on - timedelta(days=key)
            note = "报送" + ("实施方案及统计表" if task.kind == TaskKind.IMPLEMENTATION_PLAN else task.title) + "。"
            services.task_submit(actor=actor, task=task, unit=unit, note=note, on=min(on, today))


def _rectify(supervisions, inspector, visited: date, today: date) -> None:
    """Rectifications in every state: verified, waiting for 复查, open, overdue."""
    n = 0
    for inspection in supervisions:
        for row in inspection.results.select_related("item").filter(result__in=[Result.NOT_MET, Result.PARTLY_MET]):
            raised = min(visited + timedelta(days=2), today)
            rect = services.rectification_raise(
                actor=inspector,
                inspection=inspection,
                number=row.item.number,
                requirement="对照政策清单要求完善相关制度和工作记录，报送整改报告及佐证材料。",
                days=15 if n % 2 else 30,
                on=raised,
            )
            unit_actor = _user(
                rect.unit, Role.COMMITTEE_CHAIR if rect.unit.level == Level.SCHOOL else Role.COUNTY_OFFICER
            )
            state = n % 4
            n += 1
            done = min(raised + timedelta(days=10), today)
            if state == 3 or done <= raised:
                continue  # still open (overdue once its due date has passed)
            services.rectification_add_note(
                actor=unit_actor, rectification=rect, text="已召开专题会议部署整改，补齐台账记录。", on=done
            )
            if state == 2:
                continue
            services.rectification_complete(
                actor=unit_actor, rectification=rect, text="整改已完成，制度已修订并印发，记录已补齐。", on=done
            )
            if state == 1:
                continue
            services.rectification_verify(
                actor=inspector,
                rectification=rect,
                text="复查台账和制度文件，整改到位。",
                on=min(done + timedelta(days=3), today),
            )
