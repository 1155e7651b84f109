"""Supervision screens: the policy list, inspections, rectification, campaigns, rounds,
accountability, the league table and the exports.

A refused step re-renders the page with what was entered and the reason (400), so an
inspector never loses what they typed. Objects outside the caller's scope are 404.

Split by subject; ``inspections/urls.py`` imports them from here.
"""

from inspections.views.inspections import (
    evidence_download,
    evidence_upload,
    inspection_detail,
    inspection_header,
    inspection_list,
    inspection_new,
    inspection_pdf,
    inspection_submit,
    item_save,
    policy_list,
    rectification_raise,
)
from inspections.views.overview import (
    accountability_list,
    campaign_detail,
    campaign_list,
    export_results,
    league,
    round_detail,
    round_list,
    round_publish,
    submission_file,
    task_submit,
)
from inspections.views.rectifications import (
    rectification_detail,
    rectification_evidence_download,
    rectification_evidence_upload,
    rectification_list,
    rectification_step,
)

__all__ = [
    "accountability_list",
    "campaign_detail",
    "campaign_list",
    "evidence_download",
    "evidence_upload",
    "export_results",
    "inspection_detail",
    "inspection_header",
    "inspection_list",
    "inspection_new",
    "inspection_pdf",
    "inspection_submit",
    "item_save",
    "league",
    "policy_list",
    "rectification_detail",
    "rectification_evidence_download",
    "rectification_evidence_upload",
    "rectification_list",
    "rectification_raise",
    "rectification_step",
    "round_detail",
    "round_list",
    "round_publish",
    "submission_file",
    "task_submit",
]
