"""Celery tasks of the shared kernel: take ids, fetch, call one service."""

from celery import shared_task
from django.conf import settings

from bullying.deadlines.notifications import notification_send_email
from bullying.deadlines.reminders import reminders_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def sweep_reminders() -> dict:
    """One reminder sweep (what beat runs every few minutes)."""
    result = reminders_sweep(batch_size=settings.REMINDER_BATCH_SIZE)
    return result.__dict__


# E-mail tasks: redelivered if a worker dies, retried while the mail server is away; a
# retry finds the messages already sent by ``emailed_at`` and skips them.
EMAIL_TASK = dict(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)


@shared_task(**EMAIL_TASK)
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id=notification_id)


@shared_task(**EMAIL_TASK, time_limit=600, soft_time_limit=540)
def send_notification_emails(notification_ids: list[int]) -> int:
    """The e-mail copies of a batch of notifications; a retry skips those already sent."""
    return sum(notification_send_email(notification_id=pk) for pk in notification_ids)
