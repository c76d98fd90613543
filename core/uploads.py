"""The one gate for uploaded documents (claim documents, payment proofs) and for serving them back.

A file is accepted only if it parses whole as the type its first bytes claim: a PDF is opened with
pypdf and every page's content read; an image is checked by Pillow's ``verify()`` and then decoded
in full (``load()``). The stored name and the served name take the extension of that detected type,
never the uploader's: a ``%PDF-`` file continuing as HTML (``poly.html``) is refused, and a file
that passes is never served as anything but what it is, always as an attachment (issue 10).
"""

import io
import warnings
from dataclasses import dataclass

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

# Uploads larger than this are refused: a phone photo or a scanned PDF is well below it.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A scan of a few pages; more pages than this is not a supporting document.
MAX_PDF_PAGES = 200
# Pixels of an image (a 40-megapixel phone photo is 40e6); beyond this Pillow would be asked to
# decode a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
# (content type, leading bytes, extension)
_SIGNATURES = [(PDF, b"%PDF-", ".pdf"), (PNG, b"\x89PNG\r\n\x1a\n", ".png"), (JPEG, b"\xff\xd8\xff", ".jpg")]
EXTENSIONS = {content_type: extension for content_type, _signature, extension in _SIGNATURES}
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}


class UploadError(ValueError):
    """An upload refused, with an Indonesian message naming the file."""


@dataclass(frozen=True)
class Detected:
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def sniff_content_type(head: bytes) -> str | None:
    """The content type told by a file's first bytes: PDF, PNG or JPEG; None for anything else."""
    for content_type, signature, _extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_document(uploaded, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Detected:
    """Size, then the type by its first bytes, then a whole parse as that type; raise UploadError."""
    name = getattr(uploaded, "name", "") or _("(tanpa nama)")
    size = uploaded.size
    if not size:
        raise UploadError(_("Berkas %(name)s kosong.") % {"name": name})
    if size > max_bytes:
        raise UploadError(
            _("Berkas %(name)s berukuran %(size).1f MB; paling besar %(max)d MB.")
            % {"name": name, "size": size / 1024 / 1024, "max": max_bytes // 1024 // 1024}
        )
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise UploadError(
            _("Berkas %(name)s bukan PDF, JPEG atau PNG (diperiksa dari isinya, bukan dari nama berkas).") % {"name": name}
        )
    try:
        if content_type == PDF:
            _parse_pdf(data)
        else:
            _parse_image(data, _PILLOW_FORMATS[content_type])
    except UploadError as exc:
        raise UploadError(_("Berkas %(name)s rusak atau bukan %(type)s utuh: %(reason)s") % {
            "name": name, "type": EXTENSIONS[content_type][1:].upper(), "reason": exc}) from None
    except Exception as exc:  # any parser failure means the file is not what it claims to be
        raise UploadError(_("Berkas %(name)s rusak atau bukan %(type)s utuh (%(error)s).") % {
            "name": name, "type": EXTENSIONS[content_type][1:].upper(), "error": type(exc).__name__}) from None
    return Detected(content_type)


def _parse_pdf(data: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=True)
    if reader.is_encrypted:
        raise UploadError(_("PDF terkunci kata sandi."))
    pages = reader.pages
    if not 0 < len(pages) <= MAX_PDF_PAGES:
        raise UploadError(_("jumlah halaman %(count)d (1–%(max)d).") % {"count": len(pages), "max": MAX_PDF_PAGES})
    for page in pages:
        page.mediabox  # noqa: B018  (reading each page's box and content parses it)
        page.get_contents()
    # Bytes after the last %%EOF are not part of the PDF: a PDF/HTML polyglot hides its page there.
    tail = data[data.rfind(b"%%EOF") + 5:] if b"%%EOF" in data else data
    if tail.strip(b"\r\n\t \x00"):
        raise UploadError(_("ada data lain setelah akhir PDF."))


def _parse_image(data: bytes, expected_format: str) -> None:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected_format:
                raise UploadError(_("isinya %(found)s, bukan %(expected)s.") % {"found": image.format, "expected": expected_format})
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise UploadError(_("gambar terlalu besar (%(w)d×%(h)d piksel).") % {"w": image.width, "h": image.height})
            image.verify()
        with Image.open(io.BytesIO(data)) as image:  # verify() leaves the image unusable: decode it anew
            image.load()


def private_file_response(field_file, *, filename: str, content_type: str | None = None) -> FileResponse:
    """Serve a private file (MEDIA_ROOT is never routed) as an attachment; a file missing on disk
    is a 404 with a message, not a 500.

    An uploaded file (no ``content_type``) is typed by its own bytes: the served name keeps
    ``filename``'s stem and takes the extension of the detected type (an unknown type is served as
    application/octet-stream ``.bin``). A file the program generated (a workbook) passes its type.
    """
    if not field_file:
        raise Http404(_("Berkas tidak dilampirkan."))
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Berkas tidak ditemukan di penyimpanan; hubungi administrator.")) from None
    if content_type is not None:
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        return response
    head = handle.read(16)
    handle.seek(0)
    content_type = sniff_content_type(head)
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    if content_type is None:
        served_type, served_name = "application/octet-stream", f"{stem}.bin"
    else:
        served_type, served_name = content_type, stem + EXTENSIONS[content_type]
    response = FileResponse(handle, as_attachment=True, filename=served_name, content_type=served_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
