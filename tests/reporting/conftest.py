"""Reporting fixtures. The case fixtures (a frozen "today" of Friday 2026-11-20 10:00,
cases opened and walked through the real services with fixed past dates) are shared with
the case tests; see tests/cases/conftest.py for the time line. In particular a case
walked to ``determined`` or beyond was determined on 2026-11-10, so its initial report
was due by 24:00 on 11-11.
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from cases.appeals import services as appeal_services
from reporting import services
from tests.cases.conftest import (  # noqa: F401 - fixtures re-exported for these tests
    DETERMINED_ON,
    TODAY,
    audit_count,
    chair_of,
    open_case,
    walk,
)

ON_TIME = date(2026, 11, 11)  # the day after the determination: within 24 hours
LATE = date(2026, 11, 12)

REPORTS = "/api/v1/incident-reports/"
DASHBOARD = "/api/v1/dashboard/"


def fresh_api(user: User) -> APIClient:
    """An API client whose user is re-read, as a real request would, so no cache carries over."""
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


@pytest.fixture
def serious_case(open_case, walk):  # noqa: F811 - the shared case fixtures
    """``serious_case()`` → a case of school A determined serious on 11-10, being handled."""

    def make(school: str = "A", to: str = "handling", severity: str = "serious", **overrides):
        return walk(open_case(school=school, **overrides), to, severity=severity)

    return make


@pytest.fixture
def report_up(personas):
    """``report_up(case, up_to="city")`` → an initial report of the case, submitted by its
    chair on time, then signed for and forwarded by each office up to ``up_to`` (where it
    waits, not yet signed for). The case must be of school A or A2 (county X)."""

    def go(case, *, up_to: str = "county", kind: str = "initial", on=ON_TIME, **kwargs):
        # Schools A and A2 sit in county X (officer_x) of city CA (city_a).
        report = services.report_submit(actor=chair_of(case.school), case=case, kind=kind, on=on, **kwargs)
        if up_to in ("city", "province"):
            services.report_acknowledge(actor=personas["officer_x"], report=report)
            services.report_forward(actor=personas["officer_x"], report=report, note="报市教育局。")
        if up_to == "province":
            services.report_acknowledge(actor=personas["city_a"], report=report)
            services.report_forward(actor=personas["city_a"], report=report, note="报省教育厅。")
        report.refresh_from_db()
        return report

    return go


@pytest.fixture
def mixed(personas, open_case, walk, report_up):  # noqa: F811 - the shared case fixtures
    """A spread of cases over schools A and A2 (county X), YS (county Y) and ZS (county Z)."""

    def build():
        made = {
            "a_reported_on_time": walk(open_case(), "handling", severity="serious"),
            "a_unreported": walk(open_case(), "handling", severity="serious"),
            "a_overdue": walk(open_case(), "investigating"),
            "a_minor_closed": walk(open_case(source="parent"), "closed", severity="minor"),
            "a2_reported": open_case(school="A2", source="hotline"),
            "a2_late": walk(open_case(school="A2"), "determined", severity="severe"),
            "a2_appealed": walk(open_case(school="A2"), "determined", severity="minor"),
            "ys_not_bullying": walk(open_case(school="YS"), "closed", is_bullying=False),
            "ys_severe": walk(open_case(school="YS", forms=["cyber"]), "follow_up", severity="severe"),
            "zs_police": walk(
                open_case(school="ZS", source="police", forms=["physical"]), "handling", severity="criminal"
            ),
        }
        report_up(made["a_reported_on_time"], up_to="city")
        services.report_submit(actor=personas["chair_a2"], case=made["a2_late"], kind="initial", on=LATE)
        services.report_submit(actor=personas["chair_y"], case=made["ys_severe"], kind="initial", on=ON_TIME)
        appeal = appeal_services.appeal_lodge(
            actor=personas["officer_x"],
            case=made["a2_appealed"],
            appellant_name="某家长",
            appellant_relation="父亲",
            grounds="不服认定。",
            received_on=date(2026, 11, 12),
        )
        appeal_services.appeal_uphold(actor=personas["officer_x"], appeal=appeal, on=date(2026, 11, 13))
        return made

    return build


@pytest.fixture
def file_appeal(personas):
    """``file_appeal(case)`` → an appeal of a case of county X, reviewed by a panel (with
    expert_x), decided and filed with city CA on 11-17: the offices above read it from then."""

    def go(case, *, filed: bool = True):
        officer = personas["officer_x"]
        panel = [
            (personas["staff_a"], "school_rep"),
            (personas["chair_a2"], "parent_rep"),
            (personas["expert_x"], "expert"),
        ]
        appeal = appeal_services.appeal_lodge(
            actor=officer,
            case=case,
            appellant_name="某家长",
            appellant_relation="母亲",
            grounds="不服认定。",
            received_on=date(2026, 11, 12),
        )
        appeal_services.appeal_accept_review(actor=officer, appeal=appeal, on=date(2026, 11, 13))
        appeal_services.appeal_form_panel(actor=officer, appeal=appeal, members=panel, on=date(2026, 11, 13))
        if filed:
            appeal_services.appeal_decide(
                actor=officer,
                appeal=appeal,
                is_bullying=True,
                severity="serious",
                opinion="维持。",
                on=date(2026, 11, 16),
            )
            appeal_services.appeal_file(actor=officer, appeal=appeal, on=date(2026, 11, 17))
        appeal.refresh_from_db()
        return appeal

    return go
