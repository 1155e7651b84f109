"""Writes on campaigns, inspections, rectifications and accountability.

Each service checks who acts and the current state, locks the row it changes, and writes
its audit row (or rectification note) in the same transaction. Refusals are
``ApplicationError`` (400, Chinese message) or ``PermissionDenied`` (403) for someone who
may see the object but not do the step; nothing is written either way.

Split by subject; import from here: ``from inspections import services``.
"""

from inspections.services.campaigns import (
    STANDARD_PHASES,
    STANDARD_TASKS,
    campaign_create,
    campaign_create_standard,
    task_submit,
)
from inspections.services.inspections import (
    evidence_add,
    inspection_create,
    inspection_record_read,
    inspection_score,
    inspection_set_result,
    inspection_submit,
    inspection_update,
)
from inspections.services.oversight import accountability_record, round_create, round_publish
from inspections.services.rectifications import (
    rectification_add_evidence,
    rectification_add_note,
    rectification_complete,
    rectification_raise,
    rectification_recompute_due_dates,
    rectification_reopen,
    rectification_verify,
)

__all__ = [
    "STANDARD_PHASES",
    "STANDARD_TASKS",
    "accountability_record",
    "campaign_create",
    "campaign_create_standard",
    "evidence_add",
    "inspection_create",
    "inspection_record_read",
    "inspection_score",
    "inspection_set_result",
    "inspection_submit",
    "inspection_update",
    "rectification_add_evidence",
    "rectification_add_note",
    "rectification_complete",
    "rectification_raise",
    "rectification_recompute_due_dates",
    "rectification_reopen",
    "rectification_verify",
    "round_create",
    "round_publish",
    "task_submit",
]
