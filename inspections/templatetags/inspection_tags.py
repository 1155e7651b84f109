"""Template helpers of the supervision pages."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from inspections.models import SubmissionStatus

register = template.Library()


@register.filter
def highlight(text, query):
    """Escape ``text`` and wrap each search word in <mark>."""
    text = escape(text or "")
    words = [escape(w) for w in (query or "").split() if w.strip()]
    if not words:
        return mark_safe(text)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text))  # noqa: S308 - escaped above


@register.filter
def score_class(score):
    if score is None or score == "":
        return ""
    score = float(score)
    if score >= 90:
        return "good"
    if score >= 75:
        return ""
    if score >= 60:
        return "mid"
    return "low"


@register.filter
def get(mapping, key):
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


STATUS_BADGES = {
    SubmissionStatus.SUBMITTED: ("ok", "已报送"),
    SubmissionStatus.LATE: ("warn", "逾期报送"),
    SubmissionStatus.MISSING: ("danger", "逾期未报"),
    SubmissionStatus.PENDING: ("grey", "未到期"),
}


@register.simple_tag
def submission_badge(status):
    if not status:
        return mark_safe('<span class="muted">—</span>')
    css, label = STATUS_BADGES[status]
    return mark_safe(f'<span class="badge {css}">{label}</span>')  # noqa: S308 - fixed labels


@register.filter
def percent(part, whole):
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0
