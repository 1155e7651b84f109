"""Inspection deadlines registered with the reminder sweep.

* Rectifications (整改期限): the responsible unit is reminded before and on the due day;
  once overdue, the office that raised the rectification sees it as a 督办 item.
* Campaign submissions (报送时限): every unit that must file a campaign report and has not
  is reminded; once overdue, the office above it sees a 督办 item until the unit files.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from accounts.models import OFFICE_ROLES, OrgUnit, Role
from accounts.selectors import subtree_q
from bullying.deadlines.reminders import DeadlineKind, OpenDeadline, register_deadline_kind
from bullying.timeutil import today_local
from inspections.models import CampaignTask, Rectification, RectificationStatus, TaskSubmission
from inspections.selectors import UNIT_ACTORS


def _open_rectifications() -> Iterable[OpenDeadline]:
    rows = Rectification.objects.filter(status=RectificationStatus.OPEN).values_list(
        "pk", "due_on", "unit_id", "unit__parent_id", "inspection__office_id", "result__item__number"
    )
    for pk, due, unit_id, parent_id, office_id, number in rows.iterator(chunk_size=5000):
        yield OpenDeadline(
            object_id=pk,
            due=due,
            unit_id=unit_id,
            # A self-check's rectification is watched by the office above the unit.
            escalation_unit_id=office_id if office_id != unit_id else parent_id,
            subject=f"政策清单第{number}项整改",
            link=f"/inspections/rectifications/{pk}/",
        )


def _still_open(ids: Iterable[int]) -> dict[int, date]:
    return dict(
        Rectification.objects.filter(pk__in=list(ids), status=RectificationStatus.OPEN).values_list("pk", "due_on")
    )


RECTIFICATION_DEADLINE = register_deadline_kind(
    DeadlineKind(
        code="inspection_rectification",
        label="整改期限",
        open_deadlines=_open_rectifications,
        still_open=_still_open,
        recipient_roles=UNIT_ACTORS,
        escalation_roles=frozenset({Role.INSPECTOR}) | OFFICE_ROLES,
    )
)


# ---------------------------------------------------------------------------------------
# Campaign submissions (专项治理行动报送事项): one deadline per task and unit that must file.


def _campaign_open_until(task: CampaignTask) -> date:
    """A missing report is chased until the end of its campaign's year (late filing stays
    allowed; it shows as 逾期报送)."""
    return date(max(task.campaign.year, task.due_on.year), 12, 31)


def _open_tasks(today: date) -> list[CampaignTask]:
    # Only tasks whose first reminder is reached, and not past their campaign's year.
    horizon = today + timedelta(days=max(CAMPAIGN_BEFORE_DAYS))
    tasks = CampaignTask.objects.filter(due_on__lte=horizon, due_on__year__gte=today.year - 1)
    return [t for t in tasks.select_related("campaign__organiser") if today <= _campaign_open_until(t)]


def _units_missing(task: CampaignTask, unit_ids: Iterable[int] | None = None):
    """Active units of the task's levels under its organiser that have not filed it."""
    units = OrgUnit.objects.filter(subtree_q([task.campaign.organiser]), level__in=task.levels, is_active=True).exclude(
        pk__in=TaskSubmission.objects.filter(task=task).values("org_unit_id")
    )
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    return units


def _open_campaign_submissions() -> Iterable[OpenDeadline]:
    for task in _open_tasks(today_local()):
        campaign = task.campaign
        subject = f"专项治理行动“{campaign.name[:60]}”的“{task.title}”报送"
        for unit_id, parent_id in _units_missing(task).values_list("pk", "parent_id").iterator(chunk_size=5000):
            yield OpenDeadline(
                object_id=task.pk,
                due=task.due_on,
                unit_id=unit_id,
                escalation_unit_id=parent_id,  # the office above the unit that has not filed
                subject=subject,
                link=f"/inspections/campaigns/{campaign.pk}/",
            )


def _campaign_submissions_still_open(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], date]:
    by_task: dict[int, set[int]] = {}
    for task_id, unit_id in pairs:
        by_task.setdefault(task_id, set()).add(unit_id)
    today = today_local()
    found = {}
    for task in CampaignTask.objects.filter(pk__in=by_task).select_related("campaign__organiser"):
        if today > _campaign_open_until(task):
            continue
        for unit_id in _units_missing(task, by_task[task.pk]).values_list("pk", flat=True):
            found[(task.pk, unit_id)] = task.due_on
    return found


CAMPAIGN_BEFORE_DAYS = (3, 1)

CAMPAIGN_SUBMISSION_DEADLINE = register_deadline_kind(
    DeadlineKind(
        code="campaign_submission",
        label="专项治理报送时限",
        open_deadlines=_open_campaign_submissions,
        still_open=_campaign_submissions_still_open,
        recipient_roles=UNIT_ACTORS,
        escalation_roles=OFFICE_ROLES,
        before_days=CAMPAIGN_BEFORE_DAYS,
        per_unit=True,
    )
)
