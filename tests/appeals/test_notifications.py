"""Who is told what: a forwarded appeal reaches the county office, a panel member learns
of the appointment, and the 15-day review deadline is in the reminder sweep (county
reminded, city told when it lapses). Notices carry a number and a link, never a name."""

from bullying.deadlines.models import Notification
from bullying.deadlines.reminders import reminders_deliver_batch, reminders_plan

from .conftest import CANARIES, TODAY, leaked


def test_a_forwarded_appeal_notifies_the_county_office(make_case, lodge, personas):
    appeal = lodge(make_case(), actor="chair_a")
    notice = Notification.objects.get(recipient=personas["officer_x"])
    assert appeal.number in notice.title
    assert notice.link == f"/cases/appeals/{appeal.pk}/"
    assert not leaked(notice.title)
    assert not Notification.objects.filter(recipient=personas["officer_y"]).exists()


def test_the_county_is_not_notified_of_an_appeal_it_recorded_itself(make_case, lodge, personas):
    lodge(make_case())
    assert not Notification.objects.filter(recipient=personas["officer_x"]).exists()


def test_panel_members_are_told_of_their_appointment(reviewing, personas):
    appeal = reviewing()
    for name in ["staff_a", "chair_a2", "expert_x"]:
        notice = Notification.objects.get(recipient=personas[name], kind="appeal:panel")
        assert appeal.number in notice.title and "2026-10-09" in notice.title


def test_an_overdue_review_reminds_the_county_and_escalates_to_the_city(reviewing, personas):
    appeal = reviewing()  # due 10-09, today 10-20
    assert reminders_plan(today=TODAY) >= 1
    reminders_deliver_batch(today=TODAY)
    county = Notification.objects.get(recipient=personas["officer_x"], kind="reminder:appeal_review")
    assert appeal.number in county.title and "超过期限 11 天" in county.title
    city = Notification.objects.get(recipient=personas["city_a"], kind="escalation:appeal_review")
    assert city.link == f"/cases/appeals/{appeal.pk}/"
    assert not Notification.objects.filter(recipient=personas["city_b"]).exists()
    for notice in Notification.objects.all():
        assert not any(name in notice.title for name in CANARIES)
