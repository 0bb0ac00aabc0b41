"""What an uploaded file is, read from its first bytes rather than from the name or type its sender gave."""

# the kinds the pages show inline (a photo as a thumbnail, a scan in the browser's PDF viewer); anything else is
# served only as a download, so no upload can become a page of this service
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def media_type(data: bytes) -> str | None:
    """Return the media type of a photo or a scan (JPEG, PNG, GIF, WebP, HEIC, PDF), or None for anything else."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heif"):
        return "image/heic"  # an iPad's camera; browsers other than Safari cannot show it, so it is a download
    return None


def is_image(kind: str | None) -> bool:
    """Return whether a browser shows this media type as a picture (a thumbnail)."""
    return kind in ("image/jpeg", "image/png", "image/gif", "image/webp")
