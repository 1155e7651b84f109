"""A rectification's deadline is in the reminder sweep: the school is reminded, and the
inspecting office gets a 督办 item once it lapses."""

from datetime import date, timedelta

import pytest
import time_machine

from bullying.deadlines.models import Escalation, Notification
from bullying.deadlines.reminders import reminders_sweep
from inspections import services
from tests.inspections.conftest import NOW


def test_an_overdue_rectification_reminds_the_school_and_escalates_to_the_inspectors(
    submitted_supervision, personas, frozen_today
):
    inspection = submitted_supervision()
    rectification = services.rectification_raise(
        actor=personas["inspector_a"],
        inspection=inspection,
        number=30,
        requirement="补齐调查处理档案并说明超期原因。",
        days=10,
    )
    frozen_today.move_to(NOW + timedelta(days=30))
    reminders_sweep()

    escalation = Escalation.objects.get(kind="inspection_rectification", object_id=rectification.pk)
    assert escalation.resolved_at is None
    school = Notification.objects.filter(recipient=personas["chair_a"], kind="reminder:inspection_rectification")
    assert school.count() == 1 and "已超过期限" in school.get().title
    upper = Notification.objects.filter(recipient=personas["inspector_a"], kind="escalation:inspection_rectification")
    assert upper.count() == 1 and upper.get().title.startswith("督办：")
    assert not Notification.objects.filter(recipient=personas["inspector_b"]).exists()  # another city's inspector

    assert Notification.objects.filter(
        recipient=personas["city_a"], kind="escalation:inspection_rectification"
    ).exists()
    sent = Notification.objects.count()
    reminders_sweep()  # the same day again: nothing more
    assert Notification.objects.count() == sent


def test_a_rectification_three_days_before_its_deadline_reminds_only_the_school(submitted_supervision, personas):
    inspection = submitted_supervision()
    rectification = services.rectification_raise(
        actor=personas["inspector_a"], inspection=inspection, number=30, requirement="补齐调查处理档案。", days=10
    )
    with time_machine.travel(rectification.due_on - timedelta(days=3), tick=False):
        reminders_sweep()
    assert Notification.objects.filter(recipient=personas["chair_a"]).count() == 1
    assert not Escalation.objects.exists()


# ---------------------------------------------------------------------------------------
# Campaign submissions: one deadline per task and unit that has not filed.


@pytest.fixture
def city_campaign(tree, personas):
    """杭州市 asks every school and county under it for a screening ledger by 2026-11-30."""
    return services.campaign_create(
        actor=personas["city_a"],
        organiser=tree["CA"],
        name="2026年冬季欺凌隐患排查",
        year=2026,
        phases=[{"kind": "deploy", "starts_on": date(2026, 11, 1), "ends_on": date(2026, 12, 20)}],
        tasks=[
            {
                "phase": "deploy",
                "kind": "screening_ledger",
                "title": "排查台账",
                "levels": ["county", "school"],
                "due_on": date(2026, 11, 30),
            }
        ],
    )


def _submission_notes(user):
    return Notification.objects.filter(recipient=user, kind__endswith=":campaign_submission")


def test_units_that_have_not_filed_are_reminded_three_days_before(city_campaign, personas):
    task = city_campaign.tasks.get()
    services.task_submit(
        actor=personas["chair_a2"], task=task, unit=personas["chair_a2"].memberships.get().org_unit, note="已建立台账。"
    )
    with time_machine.travel(date(2026, 11, 27), tick=False):
        reminders_sweep()
        reminders_sweep()  # again the same day: nothing more

    for name in ("chair_a", "chair_y", "officer_x", "officer_y"):  # the schools and counties under 杭州市
        notes = _submission_notes(personas[name])
        assert notes.count() == 1, name
        assert (
            notes.get().title
            == "专项治理行动“2026年冬季欺凌隐患排查”的“排查台账”报送将于 2026-11-30 到期（还有 3 天）。"
        )
        assert notes.get().link == f"/inspections/campaigns/{city_campaign.pk}/"
    assert not _submission_notes(personas["chair_a2"]).exists()  # filed already
    assert not _submission_notes(personas["chair_z"]).exists()  # 宁波市: not in this campaign
    assert not _submission_notes(personas["city_a"]).exists()  # the organiser does not file
    assert not Escalation.objects.exists()


def test_a_missing_submission_escalates_to_the_office_above_each_unit_until_it_is_filed(city_campaign, personas, tree):
    task = city_campaign.tasks.get()
    with time_machine.travel(date(2026, 12, 1), tick=False):
        reminders_sweep()

    open_items = Escalation.objects.filter(kind="campaign_submission", resolved_at__isnull=True)
    # One 督办 item per unit that has not filed: 3 schools to their counties, 2 counties to the city.
    assert sorted((e.unit.code, e.escalation_unit.code) for e in open_items) == [
        ("2133010501", "330105"),
        ("2133010601", "330106"),
        ("2133010602", "330106"),
        ("330105", "330100"),
        ("330106", "330100"),
    ]
    overdue = _submission_notes(personas["chair_a"]).get()
    assert overdue.title.startswith("专项治理行动“2026年冬季欺凌隐患排查”的“排查台账”报送已超过期限 1 天")
    upper = Notification.objects.filter(recipient=personas["officer_x"], kind="escalation:campaign_submission")
    assert sorted(n.title for n in upper) == [
        "督办：西湖区实验小学的专项治理行动“2026年冬季欺凌隐患排查”的“排查台账”报送已超期 1 天（期限 2026-11-30）。",
        "督办：西湖区第一中学的专项治理行动“2026年冬季欺凌隐患排查”的“排查台账”报送已超期 1 天（期限 2026-11-30）。",
    ]
    assert Notification.objects.filter(recipient=personas["city_a"], kind="escalation:campaign_submission").count() == 2

    # 西湖区实验小学 files late; the next sweep closes its item and only its item.
    with time_machine.travel(date(2026, 12, 2), tick=False):
        services.task_submit(actor=personas["chair_a"], task=task, unit=tree["A"], note="补报台账。")
        reminders_sweep()
    still = Escalation.objects.filter(kind="campaign_submission", resolved_at__isnull=True)
    assert sorted(e.unit.code for e in still) == ["2133010501", "2133010602", "330105", "330106"]

    # A week after the first overdue reminder the others are reminded again; the filer is not.
    with time_machine.travel(date(2026, 12, 8), tick=False):
        reminders_sweep()
    assert _submission_notes(personas["chair_a"]).count() == 1
    assert _submission_notes(personas["chair_a2"]).filter(title__contains="已超过期限 8 天").count() == 1


def test_missing_submissions_are_no_longer_chased_after_the_campaign_year(city_campaign, personas):
    with time_machine.travel(date(2026, 12, 1), tick=False):
        reminders_sweep()
    assert Escalation.objects.filter(resolved_at__isnull=True).count() == 5
    sent = Notification.objects.count()
    with time_machine.travel(date(2027, 1, 4), tick=False):
        reminders_sweep()
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert Notification.objects.count() == sent
