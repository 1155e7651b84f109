"""The demo data of ``seed_demo`` for supervision, built through the real services."""

import io

import pytest

from accounts.services import org_units_import, user_add
from inspections.demo import seed_inspections
from inspections.models import (
    AccountabilityMeasure,
    Campaign,
    Inspection,
    InspectionKind,
    InspectionRound,
    InspectionStatus,
    Rectification,
    TaskSubmission,
)
from scripts.management.commands.seed_demo import DEMO_EXTENSIONS, DEMO_PASSWORD, demo_units, demo_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_province():
    org_units_import(rows=demo_units())
    for username, code, role in demo_users():
        user_add(username=username, org_code=code, role=role, password=DEMO_PASSWORD)


def test_seed_demo_lists_the_extension():
    assert "inspections.demo.seed_inspections" in DEMO_EXTENSIONS


def test_the_demo_has_a_campaign_self_checks_and_a_published_round(demo_province):
    out = io.StringIO()
    seed_inspections(out)
    assert Campaign.objects.count() == 1
    assert TaskSubmission.objects.exists()
    self_checks = Inspection.objects.filter(kind=InspectionKind.SELF_CHECK, status=InspectionStatus.SUBMITTED)
    assert self_checks.count() == 4
    rnd = InspectionRound.objects.get()
    assert rnd.is_published
    assert rnd.inspections.filter(status=InspectionStatus.SUBMITTED).count() == 4
    statuses = set(Rectification.objects.values_list("status", flat=True))
    assert statuses == {"open", "completed", "verified"}
    assert AccountabilityMeasure.objects.count() == 1
    assert Inspection.objects.filter(status=InspectionStatus.DRAFT).count() == 1
    assert "演示督导检查" in out.getvalue()
    seed_inspections(out)  # a second run changes nothing
    assert Campaign.objects.count() == 1 and Inspection.objects.count() == 9
