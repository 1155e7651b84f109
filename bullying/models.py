"""Models of the shared kernel live in their own modules; Django finds them here."""

from bullying.audit import AuditEvent

__all__ = ["AuditEvent"]
