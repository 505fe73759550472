"""Reading a rendered letter back as a person (or a screen reader) would get it."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def normalised(text: str) -> str:
    """One plain space for every run of white space (Babel uses no-break and narrow spaces)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return normalised(" ".join(page.extract_text() for page in reader.pages))
