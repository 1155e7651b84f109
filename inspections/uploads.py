"""Checking uploaded evidence: size and the file's real type, read from its bytes.

The name and the browser's claimed type are ignored. Files are stored under random
names in private storage (no public URL) and served only by authorised views.
"""

import zipfile

from bullying.errors import ApplicationError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", DOCX: ".docx", XLSX: ".xlsx"}


def sniff(uploaded_file) -> str | None:
    """The file's type from its content: JPG, PNG, PDF, Word (.docx) or Excel (.xlsx)."""
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(uploaded_file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            uploaded_file.seek(0)
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def check_upload(uploaded_file, *, field: str = "file") -> str:
    """The checked content type, or ``ApplicationError`` (nothing is stored)."""
    if uploaded_file is None:
        raise ApplicationError("请选择要上传的文件。", field=field)
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ApplicationError("文件不能超过 20 MB。", field=field)
    if uploaded_file.size == 0:
        raise ApplicationError("文件是空的。", field=field)
    content_type = sniff(uploaded_file)
    if content_type is None:
        raise ApplicationError("只接受 JPG、PNG 图片，PDF，Word（.docx）或 Excel（.xlsx）文件。", field=field)
    return content_type


def clean_name(name: str | None, fallback: str = "附件") -> str:
    name = (name or "").replace("/", "_").replace("\\", "_").strip()
    return (name or fallback)[-200:]
