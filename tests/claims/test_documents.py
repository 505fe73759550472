"""Documents are recognised by their content, not by what the client says they are."""

from __future__ import annotations

import pytest

from claims.documents import check_document, sniff_media_type
from claims.errors import DocumentTooLarge, InvalidClaimData, UnsupportedDocumentType


class TestCheckDocument:
    @pytest.mark.parametrize(
        ("content", "media_type"),
        [
            (b"%PDF-1.4 ...", "application/pdf"),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
            (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        ],
    )
    def test_accepted_types(self, content: bytes, media_type: str) -> None:
        assert check_document(content) == media_type

    @pytest.mark.parametrize("content", [b"<html>", b"PK\x03\x04 zip", b"GIF89a", b"%PD"])
    def test_other_types_are_refused(self, content: bytes) -> None:
        assert sniff_media_type(content) is None
        with pytest.raises(UnsupportedDocumentType):
            check_document(content)

    def test_size_is_checked_before_type(self) -> None:
        with pytest.raises(DocumentTooLarge):
            check_document(b"x" * 11, max_bytes=10)

    def test_an_empty_file_is_refused(self) -> None:
        with pytest.raises(InvalidClaimData):
            check_document(b"")
