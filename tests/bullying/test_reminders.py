"""Deadline reminders and escalation: every threshold once, catch-up without a burst,
parallel sweeps without duplicates, and no child's name in any notification."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection

from bullying.deadlines.models import Escalation, Notification, Reminder
from bullying.deadlines.reminders import reminders_sweep
from cases import services
from cases.models import PartyRole

SHANGHAI = ZoneInfo("Asia/Shanghai")
CANARY = "甄秘密"


def at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def open_investigation(personas, tree, *, started: date):
    """A case of school A whose 10-day investigation started on ``started``."""
    with at(started, 8):
        case = services.case_open(
            actor=personas["staff_a"],
            school=tree["A"],
            occurred_at=datetime(started.year, started.month, started.day, 7, tzinfo=SHANGHAI),
            location="操场",
            source="staff",
            forms=["verbal"],
            summary="课间辱骂。",
            parties=[{"role": PartyRole.VICTIM, "name": CANARY}, {"role": PartyRole.PERPETRATOR, "name": "贾某某"}],
        )
        return services.case_start_investigation(actor=personas["chair_a"], case=case)


def titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


@pytest.fixture
def case(personas, tree):
    # Started Mon 2026-11-02: due Thu 2026-11-12 (DOMAIN.md example).
    return open_investigation(personas, tree, started=date(2026, 11, 2))


def test_the_investigation_is_due_on_the_domain_example_date(case):
    assert case.investigation_due == date(2026, 11, 12)


@pytest.mark.parametrize(
    ("today", "threshold", "fragment"),
    [
        (date(2026, 11, 9), "before:3", "还有 3 天"),
        (date(2026, 11, 11), "before:1", "还有 1 天"),
        (date(2026, 11, 12), "due", "今日"),
        (date(2026, 11, 13), "overdue:1", "已超过期限 1 天"),
        (date(2026, 11, 20), "overdue:8", "已超过期限 8 天"),
    ],
)
def test_each_threshold_reaches_the_committee_once(case, personas, today, threshold, fragment):
    with at(today):
        reminders_sweep()
        reminders_sweep()  # a second sweep the same day sends nothing more
    assert Reminder.objects.get().threshold == threshold
    for name in ("chair_a", "member_a"):
        sent = titles(personas[name])
        assert len(sent) == 1, sent
        assert fragment in sent[0]
        assert case.number in sent[0]
    assert titles(personas["staff_a"]) == []  # school staff are not the committee
    assert titles(personas["chair_a2"]) == []  # another school's committee


def test_nothing_is_sent_more_than_three_days_before(case, personas):
    with at(date(2026, 11, 8)):
        result = reminders_sweep()
    assert result.planned == 0
    assert Notification.objects.count() == 0


def test_a_full_run_of_daily_sweeps_sends_each_threshold_exactly_once(case, personas):
    for day in range(1, 31):
        with at(date(2026, 11, day)):
            reminders_sweep()
    thresholds = list(Reminder.objects.order_by("fire_on").values_list("threshold", flat=True))
    assert thresholds == ["before:3", "before:1", "due", "overdue:1", "overdue:8", "overdue:15"]
    assert len(titles(personas["chair_a"])) == 6


def test_a_sweep_after_an_outage_catches_up_without_a_burst(case, personas):
    """GIVEN beat was down from three days before the due date until two days after
    WHEN the first sweep runs again
    THEN the committee gets one overdue reminder, not the four it missed."""
    with at(date(2026, 11, 14)):
        reminders_sweep()
    sent = titles(personas["chair_a"])
    assert len(sent) == 1
    assert "已超过期限 2 天" in sent[0]


def test_an_overdue_investigation_escalates_to_the_county_and_resolves_when_decided(case, personas):
    with at(date(2026, 11, 13)):
        reminders_sweep()
    escalation = Escalation.objects.get()
    assert escalation.escalation_unit.code == "330106"
    assert escalation.resolved_at is None
    county = titles(personas["officer_x"])
    assert len(county) == 1 and county[0].startswith("督办：")
    assert titles(personas["officer_y"]) == []  # the sibling county hears nothing
    assert titles(personas["city_a"]) == []

    with at(date(2026, 11, 14)):
        services.case_determine(
            actor=personas["chair_a"], case=case, is_bullying=True, severity="minor", reasoning="故意辱骂，构成欺凌。"
        )
        reminders_sweep()
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


def test_a_reminder_for_a_decided_case_is_cancelled_not_sent(case, personas):
    with at(date(2026, 11, 9)):
        from bullying.deadlines.reminders import reminders_plan

        reminders_plan()
        services.case_determine(actor=personas["chair_a"], case=case, is_bullying=False, reasoning="系同学间打闹嬉戏。")
        result = reminders_sweep()
    assert result.cancelled == 1
    assert Notification.objects.count() == 0


def test_notifications_and_emails_carry_no_child_name(case, personas, django_capture_on_commit_callbacks):
    for user in personas.values():
        user.email = f"{user.username}@example.edu.cn"
        user.save(update_fields=["email"])
    with at(date(2026, 11, 13)), django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert Notification.objects.count() == 3  # chair, member, county officer
    assert len(mail.outbox) == 3
    for notification in Notification.objects.all():
        assert CANARY not in notification.title
        assert CANARY not in notification.link
    for message in mail.outbox:
        assert CANARY not in message.subject
        assert CANARY not in message.body
        assert "/cases/" in message.body


def test_the_notification_centre_lists_only_my_notifications(case, personas, client_for):
    with at(date(2026, 11, 12)):
        reminders_sweep()
        response = client_for("chair_a").get("/notifications/")
        other = client_for("chair_a2").get("/notifications/")
    assert response.status_code == 200
    assert "今日" in response.content.decode()
    assert "今日" not in other.content.decode()


def test_the_api_lists_and_marks_my_notifications(case, personas, api_for):
    with at(date(2026, 11, 12)):
        reminders_sweep()
    client = api_for("member_a")
    listed = client.get("/api/v1/notifications/").json()
    assert listed["count"] == 1 and listed["results"][0]["is_read"] is False
    assert client.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 0


def test_the_county_sees_the_escalation_on_its_desk_and_the_sibling_county_does_not(case, client_for):
    with at(date(2026, 11, 14)):
        reminders_sweep()
        mine = client_for("officer_x").get("/notifications/escalations/").content.decode()
        sibling = client_for("officer_y").get("/notifications/escalations/").content.decode()
    assert case.number in mine
    assert case.number not in sibling


@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_never_double_send(personas, tree):
    """GIVEN 30 overdue investigations WHEN four sweeps run at once on PostgreSQL
    THEN every committee member gets exactly one reminder per case."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks with SKIP LOCKED")
    cases = [open_investigation(personas, tree, started=date(2026, 11, 2)) for _ in range(30)]
    errors = []

    def sweep():
        try:
            with at(date(2026, 11, 13)):
                reminders_sweep(batch_size=7)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reminder.objects.filter(status="sent").count() == len(cases)
    assert Notification.objects.filter(recipient=personas["chair_a"]).count() == len(cases)
    assert Notification.objects.filter(recipient=personas["officer_x"]).count() == len(cases)
    assert Escalation.objects.filter(resolved_at__isnull=True).count() == len(cases)
