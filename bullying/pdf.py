"""The one PDF renderer: Django template to A4 PDF bytes with WeasyPrint.

Every printed document of the portal shares the house stylesheet (Noto CJK, the official
layout) and one warm font configuration per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.text.fonts import FontConfiguration

from bullying.timeutil import SHANGHAI

HOUSE_CSS = "cases/pdf/pdf.css"

_css_cache: dict[tuple[str, ...], str] = {}
_fonts = threading.local()


def stylesheet(templates: Sequence[str] = (HOUSE_CSS,)) -> str:
    """The stylesheets' text, read once per process (plain files with no template tags)."""
    key = tuple(templates)
    css = _css_cache.get(key)
    if css is None or settings.DEBUG:
        css = _css_cache[key] = "".join(render_to_string(t) for t in key)
    return css


def font_config() -> FontConfiguration:
    # Reusing one FontConfiguration keeps Pango's font caches warm between documents
    # (about 15% of the render time). It is not safe to share across threads, so each
    # thread keeps its own.
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(template: str, context: dict[str, Any], *, stylesheets: Sequence[str] = (HOUSE_CSS,)) -> bytes:
    """``template`` rendered with ``context`` (plus ``css``) as PDF bytes."""
    html = render_to_string(template, {**context, "css": stylesheet(stylesheets)})
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(font_config=font_config())


def cn_date(day: date | None) -> str:
    """2026年11月5日, as official documents write a date."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def local_moment(moment: datetime | None) -> datetime | None:
    """An aware moment in Asia/Shanghai, for printing."""
    return timezone.localtime(moment, SHANGHAI) if moment else None
