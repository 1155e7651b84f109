"""Models of the shared kernel live in their own modules; Django finds them here."""

from bullying.audit import AuditEvent
from bullying.calendar import CalendarDay, CalendarYear, RegionDeadlineSetting

__all__ = ["AuditEvent", "CalendarDay", "CalendarYear", "RegionDeadlineSetting"]
