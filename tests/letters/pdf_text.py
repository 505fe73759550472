"""Reading a rendered letter back as a person (or a screen reader) would get it."""

from __future__ import annotations

import io
import re

from fontTools.ttLib import TTFont
from pypdf import PdfReader


def normalised(text: str) -> str:
    """One plain space for every run of white space (Babel uses no-break and narrow spaces)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return normalised(" ".join(page.extract_text() for page in reader.pages))


def embedded_font_families(pdf: bytes) -> set[str]:
    """The family names written inside the font programs the PDF embeds (not the PDF's own
    labels for them, which come from the stylesheet and prove nothing)."""
    reader = PdfReader(io.BytesIO(pdf))
    families: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendants = font.get_object().get("/DescendantFonts")
            fonts = [d.get_object() for d in descendants] if descendants else [font.get_object()]
            for each in fonts:
                descriptor = each["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert program is not None, "a font is not embedded"
                with TTFont(io.BytesIO(program.get_object().get_data())) as ttf:
                    families.add(ttf["name"].getDebugName(1))
    return families
