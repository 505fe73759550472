"""The start-up check: can this process render a correct letter? Said clearly, or refused.

`fundadmin serve` and `fundadmin worker` run it before anything else, so a machine without
WeasyPrint's system libraries or the letter font stops with a message naming what to install,
rather than issuing letters in a fallback font with missing letters (or failing at the first
decision).
"""

from __future__ import annotations

from fundadmin.letters.fonts import (
    FONT_PROGRAM_FAMILY,
    LETTER_FONT_FAMILY,
    SAMPLE_LETTERS,
    LetterFontsMissing,
    embedded_font_families,
    letter_font_faces,
)

SYSTEM_LIBRARIES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1"
"""Debian's names of the libraries WeasyPrint loads (the Dockerfile installs them)."""


class LettersUnavailable(RuntimeError):
    """This process cannot render letters correctly; the message says how to fix it."""


def check_letter_rendering() -> None:
    """Render a line of every letter of the ten languages and check that the PDF embeds the
    named font and nothing else; LettersUnavailable says what is missing."""
    try:
        letter_font_faces()
    except LetterFontsMissing as error:
        raise LettersUnavailable(f"award letters cannot be rendered: {error}") from error
    try:
        from fundadmin.letters.pdf import render_pdf  # noqa: PLC0415 - imports WeasyPrint

        pdf = render_pdf(
            f'<html lang="en"><head><title>check</title></head><body>'
            f"<p>{SAMPLE_LETTERS}</p><p><b>{SAMPLE_LETTERS}</b></p></body></html>"
        )
    except OSError as error:
        raise LettersUnavailable(
            "award letters cannot be rendered: WeasyPrint cannot load its system libraries "
            f"({error}). On Debian or Ubuntu: apt-get install {SYSTEM_LIBRARIES}"
        ) from error
    families = embedded_font_families(pdf)
    if families != {FONT_PROGRAM_FAMILY}:
        raise LettersUnavailable(
            f"award letters would not use the font {LETTER_FONT_FAMILY!r} ({FONT_PROGRAM_FAMILY})"
            f" alone: the sample embedded {sorted(families)}"
        )
