"""Models of the shared kernel live in their own modules; Django finds them here."""

from bullying.audit import AuditEvent
from bullying.calendar import CalendarDay, CalendarYear, RegionDeadlineSetting
from bullying.notifications import Notification
from bullying.reminders import Escalation, Reminder

__all__ = [
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "Escalation",
    "Notification",
    "RegionDeadlineSetting",
    "Reminder",
]
