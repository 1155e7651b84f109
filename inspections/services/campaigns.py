"""Campaigns (专项治理行动): the standard schedule of seed 003 and the reports units file."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import Level, OrgUnit, User
from accounts.selectors import holds
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from bullying.uploads import DOCUMENTS_AND_SHEETS, check_upload
from bullying.workflow import effective_date
from inspections import selectors
from inspections.models import (
    LEVEL_ORDER,
    Campaign,
    CampaignPhase,
    CampaignTask,
    PhaseKind,
    PolicyEdition,
    TaskKind,
    TaskSubmission,
)
from inspections.services.common import clean_text, clean_weight, store_upload

# ---------------------------------------------------------------------------
# Campaigns (专项治理行动)

# The provincial task list of seed 003 (2021年辽宁省任务清单): phases, what each level
# files, and by when (month, day). Levels below the organiser only.
STANDARD_PHASES = [
    (
        PhaseKind.DEPLOY,
        (3, 1),
        (3, 15),
        "细化方案，加强宣传；对所有中小学校开展一次全面排查，找准问题、建立台账，明确整改重点、细化整改措施；"
        "学校对全体学生情况进行一次彻底梳理。",
    ),
    (
        PhaseKind.RECTIFY,
        (3, 16),
        (6, 15),
        "对排查发现的苗头迹象或隐患点及时报告、核实研判、干预化解；封堵日常管理漏洞；发生过欺凌事件的学校进行“回头看”；"
        "依法依规处置；健全报告制度、协同机制、考核机制、通报制度。",
    ),
    (
        PhaseKind.INSPECT,
        (6, 16),
        (7, 10),
        "各级教育督导部门对专项治理行动开展情况进行自查，上级适时开展抽查，并向社会通报有关情况。",
    ),
]
STANDARD_TASKS = [
    (
        PhaseKind.DEPLOY,
        TaskKind.IMPLEMENTATION_PLAN,
        "工作实施方案及基本情况统计表",
        [Level.CITY, Level.COUNTY],
        (3, 10),
        "结合实际制定本地工作实施方案，报上级教育行政部门备案，同时报送基本情况统计表。",
    ),
    (
        PhaseKind.DEPLOY,
        TaskKind.SCREENING_LEDGER,
        "排查台账",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (3, 20),
        "对照7个方面进行全覆盖、无死角的摸底排查，建立台账。",
    ),
    (
        PhaseKind.DEPLOY,
        TaskKind.RECTIFICATION_MEASURES,
        "整改措施",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (3, 20),
        "明确整改重点，细化整改措施。",
    ),
    (
        PhaseKind.RECTIFY,
        TaskKind.RECTIFICATION_REPORT,
        "集中整治情况",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (6, 20),
        "报送集中整治阶段工作情况。",
    ),
    (
        PhaseKind.INSPECT,
        TaskKind.SELF_CHECK_REPORT,
        "对照政策清单自查报告",
        [Level.CITY, Level.COUNTY, Level.SCHOOL],
        (7, 10),
        "对照政策清单逐项自查，形成自查报告。",
    ),
    (
        PhaseKind.INSPECT,
        TaskKind.SUMMARY,
        "专项治理行动总体情况",
        [Level.CITY, Level.COUNTY],
        (7, 15),
        "报送专项治理行动总体情况。",
    ),
]


def require_oversight_at(actor: User, unit: OrgUnit, what: str) -> None:
    if not holds(actor, selectors.OVERSIGHT_ROLES, {unit.pk}):
        raise PermissionDenied(f"只有{unit.name}的教育行政部门或督导人员可以{what}。")


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    organiser: OrgUnit,
    name: str,
    year: int,
    phases: Iterable[dict],
    tasks: Iterable[dict],
    description: str = "",
    weights: dict | None = None,
    edition: PolicyEdition | None = None,
) -> Campaign:
    """A campaign with its phases (``kind``, ``starts_on``, ``ends_on``, ``description``)
    and the reports units must file (``phase`` kind, ``kind``, ``title``, ``levels``, ``due_on``)."""
    require_oversight_at(actor, organiser, "组织专项治理行动")
    name = clean_text(name, field="name", label="行动名称", max_length=100)
    edition = edition or selectors.current_edition()
    if edition is None:
        raise ApplicationError("尚未导入政策清单。")
    clean_weights = {}
    numbers = set(edition.items.values_list("number", flat=True))
    for key, value in (weights or {}).items():
        if not str(key).isdigit() or int(key) not in numbers:
            raise ApplicationError(f"权重中的条目“{key}”不在政策清单中。", field="weights")
        clean_weights[str(int(key))] = str(clean_weight(value))
    campaign = Campaign.objects.create(
        name=name,
        year=year,
        organiser=organiser,
        edition=edition,
        description=(description or "").strip(),
        weights=clean_weights,
        created_by=actor,
    )
    by_kind = {}
    for order, phase in enumerate(phases, start=1):
        kind = phase["kind"]
        if kind not in PhaseKind.values or kind in by_kind:
            raise ApplicationError(f"阶段“{kind}”无效或重复。", field="phases")
        if phase["ends_on"] < phase["starts_on"]:
            raise ApplicationError(f"{PhaseKind(kind).label}阶段的完成时限早于开始日期。", field="phases")
        by_kind[kind] = CampaignPhase.objects.create(
            campaign=campaign,
            kind=kind,
            order=order,
            starts_on=phase["starts_on"],
            ends_on=phase["ends_on"],
            description=phase.get("description", ""),
        )
    below = {level for level in LEVEL_ORDER if LEVEL_ORDER.index(level) > LEVEL_ORDER.index(organiser.level)}
    for task in tasks:
        task_phase = by_kind.get(task["phase"])
        if task_phase is None:
            raise ApplicationError(f"报送事项“{task['title']}”所属阶段不存在。", field="tasks")
        if task["kind"] not in TaskKind.values:
            raise ApplicationError(f"报送事项类型“{task['kind']}”无效。", field="tasks")
        levels = [level for level in LEVEL_ORDER if level in task["levels"] and level in below]
        if not levels:
            continue
        CampaignTask.objects.create(
            campaign=campaign,
            phase=task_phase,
            kind=task["kind"],
            title=task["title"],
            levels=[str(level) for level in levels],
            due_on=task["due_on"],
            description=task.get("description", ""),
        )
    audit_record(action="campaign.created", actor=actor, obj=campaign, org_unit=organiser)
    return campaign


def campaign_create_standard(*, actor: User, organiser: OrgUnit, year: int, name: str = "") -> Campaign:
    """The campaign of seed 003 for ``year``: 部署摸底 → 集中整治 → 督导检查 with the
    provincial task list's dates (3月20日台账、6月20日情况、7月15日总体情况)."""
    phases = [
        {
            "kind": kind,
            "starts_on": date(year, *start),
            "ends_on": date(year, *end),
            "description": description,
        }
        for kind, start, end, description in STANDARD_PHASES
    ]
    tasks = [
        {"phase": phase, "kind": kind, "title": title, "levels": levels, "due_on": date(year, *due), "description": d}
        for phase, kind, title, levels, due, d in STANDARD_TASKS
    ]
    return campaign_create(
        actor=actor,
        organiser=organiser,
        name=name or f"{year}年防范中小学生欺凌专项治理行动",
        year=year,
        phases=phases,
        tasks=tasks,
        description="依据《防范中小学生欺凌专项治理行动工作方案》（教基厅函〔2021〕5号）。",
    )


@transaction.atomic
def task_submit(
    *, actor: User, task: CampaignTask, unit: OrgUnit, note: str = "", on: date | None = None, uploaded_file=None
) -> TaskSubmission:
    """A unit files one of the campaign's reports. Filing after ``due_on`` is allowed and
    shows as late (逾期报送); a unit files each report once."""
    if not selectors.acts_for(actor, unit):
        raise PermissionDenied("只能以本人任职单位的名义报送。")
    campaign = task.campaign
    if not unit.is_within(campaign.organiser) or unit.level not in task.levels:
        raise ApplicationError(f"{unit.name}不需要报送“{task.title}”。", field="unit")
    on = effective_date(on)
    note = clean_text(note, field="note", label="说明", required=uploaded_file is None)
    submission = TaskSubmission(task=task, org_unit=unit, submitted_on=on, note=note, submitted_by=actor)
    if uploaded_file is not None:
        store_upload(submission, uploaded_file, check_upload(uploaded_file, allowed=DOCUMENTS_AND_SHEETS))
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        raise ApplicationError(f"{unit.name}已报送“{task.title}”，不能重复报送。")
    audit_record(
        action="campaign.task_submitted",
        actor=actor,
        obj=submission,
        org_unit=unit,
        detail={"task": task.pk, "late": submission.is_late},
    )
    return submission
