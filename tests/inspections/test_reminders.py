"""A rectification's deadline is in the reminder sweep: the school is reminded, and the
inspecting office gets a 督办 item once it lapses."""

from datetime import timedelta

import time_machine

from bullying.notifications import Notification
from bullying.reminders import Escalation, reminders_sweep
from inspections import services
from tests.inspections.conftest import NOW


def test_an_overdue_rectification_reminds_the_school_and_escalates_to_the_inspectors(
    submitted_supervision, people, frozen_today
):
    inspection = submitted_supervision()
    rectification = services.rectification_raise(
        actor=people["inspector_a"],
        inspection=inspection,
        number=30,
        requirement="补齐调查处理档案并说明超期原因。",
        days=10,
    )
    frozen_today.move_to(NOW + timedelta(days=30))
    reminders_sweep()

    escalation = Escalation.objects.get(kind="inspection_rectification", object_id=rectification.pk)
    assert escalation.resolved_at is None
    school = Notification.objects.filter(recipient=people["chair_a"], kind="reminder:inspection_rectification")
    assert school.count() == 1 and "已超过期限" in school.get().title
    upper = Notification.objects.filter(recipient=people["inspector_a"], kind="escalation:inspection_rectification")
    assert upper.count() == 1 and upper.get().title.startswith("督办：")
    assert not Notification.objects.filter(recipient=people["inspector_b"]).exists()  # another city's inspector

    assert Notification.objects.filter(recipient=people["city_a"], kind="escalation:inspection_rectification").exists()
    sent = Notification.objects.count()
    reminders_sweep()  # the same day again: nothing more
    assert Notification.objects.count() == sent


def test_a_rectification_three_days_before_its_deadline_reminds_only_the_school(submitted_supervision, people):
    inspection = submitted_supervision()
    rectification = services.rectification_raise(
        actor=people["inspector_a"], inspection=inspection, number=30, requirement="补齐调查处理档案。", days=10
    )
    with time_machine.travel(rectification.due_on - timedelta(days=3), tick=False):
        reminders_sweep()
    assert Notification.objects.filter(recipient=people["chair_a"]).count() == 1
    assert not Escalation.objects.exists()
