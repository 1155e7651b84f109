"""Template helpers and the workbench panels of the case app."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import COMMITTEE_ROLES, Role
from accounts.selectors import has_role
from bullying.timeutil import today_local
from cases import selectors
from cases.models import OPEN_STATUSES, CaseQuerySet, Status

register = template.Library()


@register.filter(name="abs")
def absolute(value):
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return value


def _panel_counts(qs):
    today = today_local()
    return qs.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        reported=Count("pk", filter=Q(status=Status.REPORTED)),
        investigating=Count("pk", filter=Q(status=Status.INVESTIGATING)),
        overdue=Count("pk", filter=CaseQuerySet.overdue_q(today)),
        due_soon=Count(
            "pk",
            filter=Q(
                status=Status.INVESTIGATING,
                investigation_due__gte=today,
                investigation_due__lte=today + timezone.timedelta(days=3),
            ),
        ),
        handling=Count("pk", filter=Q(status__in=[Status.DETERMINED, Status.HANDLING, Status.FOLLOW_UP])),
    )


@register.inclusion_tag("cases/panels/cases_panel.html", takes_context=True)
def cases_panel(context, title: str):
    """Open cases of the caller's scope: overdue first, then by due date."""
    user = context["request"].user
    qs = selectors.case_list(user)
    urgent = (
        qs.filter(status__in=OPEN_STATUSES)
        .order_by("investigation_due", "reported_on")
        .filter(Q(status=Status.INVESTIGATING) | Q(status=Status.REPORTED))[:8]
    )
    return {"title": title, "counts": _panel_counts(qs), "urgent": list(urgent), "request": context["request"]}


@register.inclusion_tag("cases/panels/report_panel.html", takes_context=True)
def report_panel(context):
    user = context["request"].user
    mine = selectors.case_list(user).filter(reported_by=user).order_by("-reported_on", "-id")[:5]
    return {
        "mine": list(mine),
        "committee": has_role(user, COMMITTEE_ROLES),
        "county": has_role(user, {Role.COUNTY_OFFICER}),
    }
