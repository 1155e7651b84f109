"""Workbench panels of the reporting app."""

from django import template
from django.utils import timezone

from accounts.models import COMMITTEE_ROLES
from accounts.selectors import memberships_of, scope_roots
from cases.selectors import cases_visible_to
from reporting import selectors

register = template.Library()


@register.inclusion_tag("reporting/panels/dashboard.html", takes_context=True)
def dashboard_panel(context):
    """The key figures of the caller's top unit, with the way to the dashboard."""
    user = context["request"].user
    roots = scope_roots(user, roles=selectors.DASHBOARD_ROLES)
    if not roots:
        return {"unit": None}
    unit = roots[0]
    return {"unit": unit, "f": selectors.dashboard_summary(user, unit), "minutes": selectors.SUMMARY_SECONDS // 60}


@register.inclusion_tag("reporting/panels/incoming_reports.html", takes_context=True)
def incoming_reports_panel(context):
    """Reports waiting for this office, and cases owing or possibly concealing a report."""
    user = context["request"].user
    now = timezone.now()
    cases = cases_visible_to(user)
    return {
        "awaiting": list(selectors.awaiting_action(user)[:6]),
        "missing": list(selectors.cases_with_missing_reports(cases, now)[:5]),
        "concealed": list(selectors.cases_possibly_concealed(cases)[:5]),
        "now": now,
    }


@register.inclusion_tag("reporting/panels/reports_due.html", takes_context=True)
def reports_due_panel(context):
    """For a school's committee: the reports its cases owe, late ones first."""
    user = context["request"].user
    schools = [m.org_unit_id for m in memberships_of(user) if m.role in COMMITTEE_ROLES]
    cases = cases_visible_to(user).filter(school_id__in=schools)
    return {"owing": list(selectors.cases_owing_reports(cases, timezone.now())[:6])}
