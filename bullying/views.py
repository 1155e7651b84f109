"""The home workbench and the error pages."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.models import Role
from accounts.selectors import memberships_of

# Which workbench panels each role sees, in order. Features fill them in as they land.
WORKBENCH_PANELS = {
    Role.SCHOOL_STAFF: ["report_incident", "my_reports"],
    Role.COMMITTEE_MEMBER: ["school_cases"],
    Role.COMMITTEE_CHAIR: ["school_cases", "sign_off"],
    Role.COUNTY_OFFICER: ["county_cases", "appeals", "incoming_reports", "supervise"],
    Role.REVIEW_EXPERT: ["my_panels"],
    Role.CITY_OFFICER: ["dashboard", "incoming_reports", "filings"],
    Role.PROVINCE_OFFICER: ["dashboard", "incoming_reports"],
    Role.INSPECTOR: ["inspections", "rectifications"],
    Role.AUDITOR: ["audit"],
    Role.SYSADMIN: ["org_units", "users"],
}


@login_required
def home(request):
    memberships = memberships_of(request.user)
    panels: list[str] = []
    for m in memberships:
        for panel in WORKBENCH_PANELS.get(m.role, []):
            if panel not in panels:
                panels.append(panel)
    return render(request, "home.html", {"memberships": memberships, "panels": panels})


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
