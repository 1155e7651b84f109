"""The one way a sheet is written to Excel: a caption, a bold header, rows, column widths.

Every value passes through ``safe_cell``: a spreadsheet treats a text starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula (OWASP "CSV/formula
injection"), and exported text is typed by staff, so such text gets a leading apostrophe
and is written as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

HEADER_FILL = PatternFill("solid", fgColor="DCE4F0")
HEADER_FONT = Font(bold=True)
CAPTION_FONT = Font(bold=True, size=12)
_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

# A column header is either its text (width from the content) or (text, width).
Column = str | tuple[str, int]


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a cell: text that a spreadsheet would run as a
    formula is prefixed with an apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def write_sheet(
    wb: Workbook,
    *,
    title: str,
    caption: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    header_font: Font = HEADER_FONT,
    caption_font: Font = CAPTION_FONT,
    header_fill: PatternFill = HEADER_FILL,
    merge_caption: bool = False,
    borders: bool = False,
    number_formats: dict[int, str] | None = None,
) -> Worksheet:
    """Add a sheet: the caption on row 1, the bold header on row 2, then ``rows``.

    ``rows`` is consumed once (a generator is fine); widths of columns given without one
    follow the longest value seen. ``number_formats`` maps 1-based column numbers to an
    Excel number format (dates, one decimal).
    """
    ws = wb.create_sheet(title=title[:31])
    headers = [c if isinstance(c, str) else c[0] for c in columns]
    fixed = {i: c[1] for i, c in enumerate(columns, start=1) if not isinstance(c, str)}
    ws.append([safe_cell(caption)])
    ws["A1"].font = caption_font
    if merge_caption and len(columns) > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append([safe_cell(h) for h in headers])
    for cell in ws[2]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=borders)
        if borders:
            cell.border = BORDER
    longest = [len(str(h)) for h in headers]
    formats = number_formats or {}
    for row in rows:
        ws.append([safe_cell(v) for v in row])
        r = ws.max_row
        for i, value in enumerate(row):
            if i < len(longest):
                longest[i] = max(longest[i], len(str(value)))
        for column, number_format in formats.items():
            ws.cell(row=r, column=column).number_format = number_format
        if borders:
            for cell in ws[r]:
                cell.border = BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    for i in range(1, len(headers) + 1):
        width = fixed.get(i) or min(max(8, longest[i - 1] * 2 + 2), 60)
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    return ws


def workbook_bytes(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
