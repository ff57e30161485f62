"""Evidence attachments: what is accepted, how it is checked, how it is stored and how it is sent back.

A file is accepted only when its name and its content agree on one of the allowed types (PDF, PNG,
JPEG, DOCX, XLSX, TXT). The content decides, never the browser's Content-Type: a PDF starts with
``%PDF-``, a DOCX or XLSX is a zip holding ``[Content_Types].xml`` and ``word/`` or ``xl/``, a text
file is UTF-8 without NUL bytes and is not HTML, SVG or XML markup. A rejected file raises
``UploadRejected`` with a message for the person uploading, before anything is stored. Accepted
files are stored under a random name (``evidence/<uuid>.<ext>``); the uploader's name is kept only
for the download, which is always sent as an attachment the browser must not sniff.
"""
from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse

from leadership.models import EvidenceAttachment, EvidenceEntry

SNIFF_BYTES = 8192
CHUNK_BYTES = 1024 * 1024
MARKUP_SCAN_CHARS = 65536


@dataclass(frozen=True)
class FileType:
    """One accepted type: what people call it, the MIME type it is served as, and its extensions."""

    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF document", "application/pdf", (".pdf",))
PNG = FileType("PNG image", "image/png", (".png",))
JPEG = FileType("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType(
    "Word document (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileType(
    "Excel workbook (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
TXT = FileType("plain text file", "text/plain; charset=utf-8", (".txt",))
ACCEPTED_TYPES = (PDF, PNG, JPEG, DOCX, XLSX, TXT)
ACCEPTED_EXTENSIONS = {extension: kind for kind in ACCEPTED_TYPES for extension in kind.extensions}
ACCEPTED_LIST = "PDF, PNG, JPEG, DOCX, XLSX and TXT"

# A name part before the last dot that is one of these makes a double extension (``invoice.php.pdf``):
# the types we accept, other documents, and what a server or desktop might run or render.
EXTENSION_LIKE = {
    "pdf", "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "docx", "xlsx", "txt", "doc", "docm", "xls",
    "xlsm", "ppt", "pptx", "pptm", "odt", "ods", "rtf", "csv", "zip", "rar", "7z", "gz", "tar", "exe", "com", "bat",
    "cmd", "scr", "pif", "msi", "dll", "sys", "lnk", "sh", "bash", "ps1", "psm1", "vbs", "vbe", "js", "jse", "mjs",
    "wsf", "wsh", "hta", "jar", "py", "pl", "rb", "cgi", "php", "php3", "php4", "php5", "php7", "phtml", "phar",
    "asp", "aspx", "jsp", "jspx", "html", "htm", "shtml", "xhtml", "svg", "svgz", "xml", "xsl", "swf",
}
DRIVE = re.compile(r"^[A-Za-z]:")
MARKUP = re.compile(
    r"<\s*(?:!doctype|\?xml|html|head|body|script|svg|iframe|object|embed|meta|link|style|a\s|img\s|div|form)",
    re.IGNORECASE,
)


class UploadRejected(ValidationError):
    """The file was refused; ``message`` says why, for the person uploading. Nothing was stored."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, with what the checks found out about it."""

    file: File[bytes]
    name: str
    file_type: FileType
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


def _check_name(name: str) -> FileType:
    """The accepted type the file's name claims, or ``UploadRejected`` saying what is wrong with the name."""
    if not name or not name.strip():
        raise UploadRejected("The file has no name.", code="no_name")
    # A drive letter ("C:report.pdf") is a path Django's upload parser lets through: it splits only on slashes.
    if "/" in name or "\\" in name or name.strip() in {".", ".."} or DRIVE.match(name):
        raise UploadRejected(
            f"The file name “{name}” holds a folder path: send the file under its own name only.", code="path"
        )
    if not name.isprintable():
        raise UploadRejected("The file name holds control characters: rename the file.", code="control_characters")
    if len(name) > 255:
        raise UploadRejected("The file name is longer than 255 characters: shorten it.", code="name_too_long")
    parts = name.split(".")
    inner = [part.strip().lower() for part in parts[1:-1]]
    if any(part in EXTENSION_LIKE for part in inner):
        raise UploadRejected(
            f"The file name “{name}” has more than one extension: rename it with a single extension "
            f"({ACCEPTED_LIST}).",
            code="double_extension",
        )
    extension = PurePosixPath(name).suffix.lower()
    if not parts[0].strip() or len(parts) < 2:
        raise UploadRejected(
            f"The file name “{name}” needs a name and one extension ({ACCEPTED_LIST}).", code="no_extension"
        )
    kind = ACCEPTED_EXTENSIONS.get(extension)
    if kind is None:
        raise UploadRejected(
            f"Files ending “{extension}” are not accepted. Accepted: {ACCEPTED_LIST} files.", code="extension"
        )
    return kind


def _size(file: File[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    return int(size)


def _is_utf8_text_without_markup(file: File[bytes]) -> tuple[bool, bool]:
    """(whether the content is UTF-8 text without NUL bytes, whether it looks like markup)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    start = ""
    file.seek(0)
    try:
        for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
            if b"\x00" in chunk:
                return False, False
            text = decoder.decode(chunk)
            if len(start) < MARKUP_SCAN_CHARS:
                start += text[: MARKUP_SCAN_CHARS - len(start)]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, False
    return True, start.lstrip().startswith("<") or bool(MARKUP.search(start))


def _office_type(file: File[bytes]) -> FileType | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return DOCX
    if any(name.startswith("xl/") for name in names):
        return XLSX
    return None


def detect_type(file: File[bytes]) -> FileType | Literal["markup"] | None:
    """The accepted type the content is, ``"markup"`` for HTML, SVG or XML, or None for anything else."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(file)
    is_text, is_markup = _is_utf8_text_without_markup(file)
    if is_markup:
        return "markup"
    return TXT if is_text else None


def _sha256(file: File[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def upload_check(file: File[bytes], *, name: str | None = None) -> CheckedUpload:
    """Check an uploaded file (its name, size and content) and return what was found, or raise ``UploadRejected``.

    ``name`` is the name the uploader gave, when it differs from ``file.name`` (Django already strips
    folders from the names of files it receives; this checks again for files coming from elsewhere).
    """
    name = (file.name if name is None else name) or ""  # no name is refused by _check_name
    claimed = _check_name(name)
    size = _size(file)
    if size == 0:
        raise UploadRejected(f"“{name}” is empty.", code="empty")
    limit_mb = settings.EVIDENCE_MAX_UPLOAD_MB
    if size > limit_mb * 1024 * 1024:
        raise UploadRejected(
            f"“{name}” is {size / (1024 * 1024):.1f} MB; the largest file accepted is {limit_mb} MB.", code="too_large"
        )
    found = detect_type(file)
    if found == "markup":
        raise UploadRejected(
            f"“{name}” holds HTML, SVG or XML markup, not a {claimed.label}. Markup is not accepted: "
            "save it as a PDF and attach that.",
            code="markup",
        )
    if found is None:
        raise UploadRejected(
            f"The content of “{name}” is not a {claimed.label}, nor any accepted type ({ACCEPTED_LIST}).",
            code="content",
        )
    if found is not claimed:
        raise UploadRejected(
            f"“{name}” is named as a {claimed.label} but its content is a {found.label}: "
            f"rename it {found.extensions[0]}, or attach the right file.",
            code="mismatch",
        )
    return CheckedUpload(file=file, name=name, file_type=found, size=size, sha256=_sha256(file))


def attachment_store(*, entry: EvidenceEntry, upload: CheckedUpload) -> EvidenceAttachment:
    """Store a checked file under a new random name and record it on ``entry`` (the caller sets the audit actor)."""
    attachment = EvidenceAttachment(
        entry=entry,
        original_name=upload.name,
        content_type=upload.file_type.content_type,
        size=upload.size,
        sha256=upload.sha256,
    )
    upload.file.seek(0)
    content = upload.file if isinstance(upload.file, File) else File(upload.file)
    attachment.file.save(f"upload{upload.extension}", content, save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_response(attachment: EvidenceAttachment) -> FileResponse:
    """The file as a download under its original name, with the type found at upload and no sniffing allowed.

    The caller (a view) has already checked that the person may read the evidence.
    """
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
