"""The home workbench and the error pages."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views.decorators.cache import never_cache

from accounts.models import Role
from accounts.selectors import memberships_of
from bullying.audit.services import audit_denied

# Which workbench panels each role sees, in order. Features fill them in as they land.
WORKBENCH_PANELS: dict[str, list[str]] = {
    Role.SCHOOL_STAFF: ["report_incident"],
    Role.COMMITTEE_MEMBER: ["school_cases", "reports_due", "report_incident"],
    Role.COMMITTEE_CHAIR: ["school_cases", "reports_due", "report_incident"],
    Role.COUNTY_OFFICER: ["supervise", "incoming_reports", "dashboard", "county_cases"],
    Role.CITY_OFFICER: ["supervise", "incoming_reports", "dashboard", "county_cases"],
    Role.PROVINCE_OFFICER: ["incoming_reports", "dashboard", "county_cases"],
    Role.AUDITOR: ["audit"],
    Role.SYSADMIN: ["org_units", "users", "calendar"],
}


def _panel_exists(panel: str) -> bool:
    try:
        get_template(f"inc/panels/{panel}.html")
    except TemplateDoesNotExist:
        return False
    return True


@login_required
def home(request):
    memberships = memberships_of(request.user)
    panels: list[str] = []
    for m in memberships:
        for panel in WORKBENCH_PANELS.get(m.role, []):
            if panel not in panels and _panel_exists(panel):
                panels.append(panel)
    return render(request, "home.html", {"memberships": memberships, "panels": panels})


@login_not_required
@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def forbidden(request, exception=None):
    # Every refusal of a signed-in user is a denied access for the audit log.
    audit_denied(actor=request.user, object_type="path", object_id=request.path, detail={"status": 403})
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
