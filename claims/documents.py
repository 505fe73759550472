"""Evidence files: the type is read from the content's first bytes, never trusted from the
client, and the size is bounded before anything is encrypted or stored."""

from __future__ import annotations

from claims.errors import DocumentTooLarge, InvalidClaimData, UnsupportedDocumentType

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
"""Largest evidence or mandate file accepted, in bytes (a scanned multi-page PDF fits)."""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_media_type(content: bytes) -> str | None:
    """`application/pdf`, `image/jpeg` or `image/png` from the magic bytes; None otherwise."""
    return next((media for magic, media in _SIGNATURES if content.startswith(magic)), None)


def check_document(content: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The media type of an acceptable document; DocumentTooLarge or UnsupportedDocumentType."""
    if not content:
        raise InvalidClaimData("file", "is empty")
    if len(content) > max_bytes:
        raise DocumentTooLarge(max_bytes)
    media_type = sniff_media_type(content)
    if media_type is None:
        raise UnsupportedDocumentType()
    return media_type
