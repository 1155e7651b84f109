"""The one check of an uploaded file: its size and its real type, read from its bytes.

The name and the browser's claimed type are ignored. A Word or Excel file is a zip
archive; it counts as one only if it holds the parts every such document has
(``[Content_Types].xml`` and ``word/document.xml`` or ``xl/workbook.xml``), so an
arbitrary zip with a ``word/`` folder is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from typing import Any

from bullying.errors import ApplicationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SUFFIXES = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx"}
LABELS = {JPEG: "JPG", PNG: "PNG", PDF: "PDF", DOCX: "Word（.docx）", XLSX: "Excel（.xlsx）"}

# Photos, scans, PDF and Word: what evidence of an incident or an appeal may be.
DOCUMENTS = (JPEG, PNG, PDF, DOCX)
# Reports filed by units may also be spreadsheets.
DOCUMENTS_AND_SHEETS = (*DOCUMENTS, XLSX)

_SIGNATURES = [
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
]
_OOXML_PARTS = {
    DOCX: ("[Content_Types].xml", "word/document.xml"),
    XLSX: ("[Content_Types].xml", "xl/workbook.xml"),
}


def sniff(uploaded_file: Any) -> str | None:
    """The file's type from its content, or ``None`` if it is none of the known types."""
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        uploaded_file.seek(0)
    for content_type, parts in _OOXML_PARTS.items():
        if all(part in names for part in parts):
            return content_type
    return None


def allowed_text(allowed: Collection[str]) -> str:
    """“JPG、PNG 图片，PDF 或 Word（.docx）文件” for the types in ``allowed``."""
    images = [LABELS[t] for t in (JPEG, PNG) if t in allowed]
    others = [LABELS[t] for t in (PDF, DOCX, XLSX) if t in allowed]
    parts = (["、".join(images) + " 图片"] if images else []) + others
    if len(parts) == 1:
        return parts[0] + "文件"
    head = "，".join(parts[:-1])
    return head + ("或 " if head.endswith("）") else " 或 ") + parts[-1] + "文件"


def check_upload(
    uploaded_file: Any,
    *,
    field: str = "file",
    allowed: Collection[str] = DOCUMENTS,
    what: str = "",
) -> str:
    """The checked content type of ``uploaded_file``, or ``ApplicationError`` (nothing is
    stored). ``what`` names the file in messages (附件, 申诉材料…)."""
    if uploaded_file is None:
        raise ApplicationError("请选择要上传的文件。", field=field)
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ApplicationError(f"{what or '文件'}不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。", field=field)
    if uploaded_file.size == 0:
        raise ApplicationError(f"{what or '文件'}是空的。", field=field)
    content_type = sniff(uploaded_file)
    if content_type is None or content_type not in allowed:
        raise ApplicationError(f"{what}只接受 {allowed_text(allowed)}。", field=field)
    return content_type


def clean_name(name: str | None, fallback: str = "附件") -> str:
    """The original name as stored (never on disk or in a URL): no path separators."""
    name = (name or "").replace("/", "_").replace("\\", "_").strip()
    return (name or fallback)[-200:]
