"""The letter's one typeface, where it comes from, and the check that it is there.

Source Sans Pro (Adobe, SIL Open Font License), upright regular and bold, covers every letter of
the ten letter languages, Cyrillic included (its italic lacks Cyrillic, so letters use none). It
is installed as a Python package (`font-source-sans-pro`), so `make install` brings it on any
machine and the Dockerfile needs no font package. Static faces, not a variable font: WeasyPrint
subsets a variable font's layout tables with fontTools at every letter, which cost seconds a
letter with Noto Sans's. The stylesheet names it as
`LETTER_FONT_FAMILY` and loads it from these files only: a missing file stops the service at start
with a message that says how to fix it, instead of WeasyPrint silently falling back to whatever
fonts the system has.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from pypdf import PdfReader

LETTER_FONT_FAMILY = "Letter Source Sans"
FONT_PROGRAM_FAMILY = "Source Sans Pro"
"""The family name inside the font files: what a PDF embeds when no other font stood in."""
"""The family name the stylesheet uses; bound to the files below by @font-face, so no system font
of a similar name can stand in for it."""

SAMPLE_LETTERS = "āčēģīķļņšūž õäöü ąęėįų ðþæøå ДЖЯЁЙЪЫЭЮ жяёйъыэю"
"""Letters of the ten languages the typeface must draw (the issue's list, with Cyrillic)."""


class LetterFontsMissing(RuntimeError):
    """The letter typeface is not installed; letters cannot be rendered correctly."""


@dataclass(frozen=True, slots=True)
class FontFace:
    weight: int
    path: Path


def _package_root() -> Path:
    try:
        import font_source_sans_pro  # noqa: PLC0415 - a missing package is a clear error here
    except ImportError as error:
        raise LetterFontsMissing(
            "the letter font Source Sans Pro is not installed (Python package "
            "`font-source-sans-pro`); run `make install` (or `pip install -e .`) and start again"
        ) from error
    return Path(font_source_sans_pro.__file__).resolve().parent / "files"


def letter_font_faces() -> tuple[FontFace, ...]:
    """The font files of the letter typeface; LetterFontsMissing names what is missing."""
    root = _package_root()
    faces = (
        FontFace(400, root / "SourceSansPro-Regular.ttf"),
        FontFace(700, root / "SourceSansPro-Bold.ttf"),
    )
    missing = [str(face.path) for face in faces if not face.path.is_file()]
    if missing:
        raise LetterFontsMissing(
            f"letter font files missing: {', '.join(missing)}; reinstall `font-source-sans-pro`"
        )
    for face in faces:
        _check_coverage(face.path)
    return faces


def _check_coverage(path: Path) -> None:
    """Refuse a font file that lacks a letter of the ten languages (a wrong or damaged file)."""
    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
    absent = sorted({c for c in SAMPLE_LETTERS if not c.isspace() and ord(c) not in cmap})
    if absent:
        raise LetterFontsMissing(f"letter font {path.name} lacks {''.join(absent)}")


def font_face_css() -> str:
    """@font-face rules binding `LETTER_FONT_FAMILY` to the installed files."""
    return "\n".join(
        f'@font-face {{ font-family: "{LETTER_FONT_FAMILY}"; src: url("{face.path.as_uri()}"); '
        f"font-style: normal; font-weight: {face.weight}; }}"
        for face in letter_font_faces()
    )


def embedded_font_families(pdf: bytes) -> set[str]:
    """The family names inside the font programs a PDF embeds (not the PDF's labels for them,
    which come from the stylesheet and prove nothing)."""
    families: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descendants = font.get_object().get("/DescendantFonts")
            fonts = [d.get_object() for d in descendants] if descendants else [font.get_object()]
            for each in fonts:
                descriptor = each["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                if program is None:
                    families.add("(not embedded)")
                    continue
                with TTFont(io.BytesIO(program.get_object().get_data())) as ttf:
                    families.add(ttf["name"].getDebugName(1) or "(unnamed)")
    return families
