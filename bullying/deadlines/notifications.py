"""In-app notifications and their e-mail copies.

A notification says what is due and links to it; it never carries a child's name or
incident detail (CPOMS practice), so it is safe in a mailbox or on a lock screen.
Each notification has a unique ``dedupe_key``: writing the same one twice is a no-op,
which is what makes reminder delivery exactly-once across retries and parallel sweeps.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from bullying.deadlines.models import Notification


def notify(*, recipient, kind: str, title: str, link: str, dedupe_key: str) -> Notification | None:
    """Create one notification unless one with ``dedupe_key`` exists; e-mail it after commit.

    Returns the new notification, or ``None`` when it had already been sent.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, title=title[:200], link=link[:200], dedupe_key=dedupe_key[:200]
            )
    except IntegrityError:
        return None
    if recipient.email:
        from bullying.deadlines.tasks import send_notification_email

        send_notification_email.delay_on_commit(notification.pk)
    return notification


EMAIL_CHUNK = 200


def notify_many(rows: list[Notification]) -> int:
    """Insert many notifications at once, skipping those whose ``dedupe_key`` exists;
    e-mail copies of the new ones go out after commit. Returns how many were new."""
    if not rows:
        return 0
    from bullying.bulk import bulk_insert_new

    now = timezone.now()
    emails = {row.recipient_id: bool(row.recipient.email) for row in rows}
    fields = ["recipient_id", "kind", "title", "link", "dedupe_key", "created_at"]
    new = bulk_insert_new(
        Notification,
        fields,
        ((r.recipient_id, r.kind, r.title[:200], r.link[:200], r.dedupe_key[:200], now) for r in rows),
        returning=("id", "recipient_id"),
    )
    to_email = sorted(pk for pk, recipient_id in new if emails.get(recipient_id))
    if to_email:
        from bullying.deadlines.tasks import send_notification_emails

        def enqueue():
            # One task per chunk, not per message: a sweep may notify tens of thousands.
            for start in range(0, len(to_email), EMAIL_CHUNK):
                send_notification_emails.delay(to_email[start : start + EMAIL_CHUNK])

        transaction.on_commit(enqueue)
    return len(new)


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail copy once; a retry after a crash finds ``emailed_at`` set and stops."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        link = f"{settings.SITE_URL.rstrip('/')}{notification.link}"
        send_mail(
            subject=f"【欺凌防治平台】{notification.title}",
            message=f"{notification.title}\n\n请登录平台查看：{link}\n\n（本邮件由系统自动发送，不含学生信息。）",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
