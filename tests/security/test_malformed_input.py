"""Hostile query strings and path values are refused or ignored, never a server error.

The fuzzer (test_schemathesis.py) covers the API operations the schema documents; these
are the inputs it rarely draws — a NUL byte (PostgreSQL refuses it in any query), numbers
past 64 bits, nonsense periods and pages — sent to pages as well as to the API.
"""

import pytest

HOSTILE_GETS = [
    ("api", "/api/v1/cases/?number=%00"),
    ("api", "/api/v1/cases/?year=99999999999999999999"),
    ("api", "/api/v1/cases/?school=99999999999999999999"),
    ("api", "/api/v1/cases/?overdue=maybe"),
    ("api", "/api/v1/cases/?page=0"),
    ("api", "/api/v1/cases/99999999999999999999/"),
    ("api", "/api/v1/org-units/?q=%00"),
    ("api", "/api/v1/appeals/?number=%00"),
    ("api", "/api/v1/incident-reports/?kind=%00"),
    ("api", "/api/v1/dashboard/?period=garbage"),
    ("api", "/api/v1/dashboard/?org_unit=99999999999999999999"),
    ("api", "/api/v1/notifications/?unread=%00"),
    ("api", "/api/v1/policy-items/99999999999999999999/"),
    ("api", "/api/v1/policy-items/?edition=%00"),
    ("api", "/api/v1/policy-editions/%00/"),
    ("api", "/api/v1/policy-editions/%27%3B--/"),
    ("api", "/api/v1/inspections/?round=%00"),
    ("api", "/api/v1/inspections/export/?round=%00"),
    ("api", "/api/v1/inspections/league/?level=%00"),
    ("api", "/api/v1/rectifications/?status=%00"),
    ("api", "/api/v1/campaigns/1/completeness/?unit=%00"),
    ("page", "/cases/?number=%00"),
    ("page", "/cases/?school=abc&page=999"),
    ("page", "/accounts/org-units/?q=%00"),
    ("page", "/accounts/audit/?action=%00"),
    ("page", "/accounts/audit/?username=%00"),
    ("page", "/calendar/?year=999999999999"),
    ("page", "/calendar/days/edit/?date=%00"),
    ("page", "/reporting/?period=garbage"),
    ("page", "/reporting/reports/?kind=%00"),
    ("page", "/inspections/?kind=%00"),
    ("page", "/inspections/policy/?edition=%00&q=%00"),
    ("page", "/inspections/rectifications/?status=%00"),
    ("page", "/inspections/league/?round=%00&campaign=%00"),
    ("page", "/inspections/campaigns/1/?unit=%00"),
]


@pytest.mark.parametrize("persona", ["chair_a", "city_a", "sysadmin_x", "auditor"])
@pytest.mark.parametrize(("kind", "url"), HOSTILE_GETS)
def test_a_hostile_query_is_never_a_server_error(world, db, persona, kind, url):
    client = world.clients[(persona, kind == "api")]

    response = client.get(url)

    assert response.status_code < 500
