"""HTML and PDF of a decision letter: Jinja2 template, print stylesheet, WeasyPrint.

One PDF holds the letter in each of its languages, her language first, each starting on a new
page and tagged with its language, so she, her adviser and the authority hold one document with
one verification code. The PDF is PDF/UA-1 (tagged, titled, with a language) so a screen reader
can read it; see `PDF_VARIANT`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from fundadmin.letters.content import LetterFacts, OverpaymentFacts
from fundadmin.letters.fonts import font_face_css
from fundadmin.letters.i18n import Formats, translations

PDF_VARIANT = "pdf/ua-1"
"""Accessibility first: WeasyPrint writes one conformance claim per file, and PDF/UA-1's (tagged
structure, title shown, document and section languages) is what lets a screen reader read the
letter to her. PDF/A-2a would also tag it, but cannot be claimed at the same time; the archive
keeps the PDF's bytes and their SHA-256, which is what proves the letter later."""


@dataclass(frozen=True, slots=True)
class Section:
    lang: str
    gettext: Callable[..., str]
    ngettext: Callable[..., str]
    f: Formats
    page_word: Markup
    footer_code: Markup
    """Texts placed in the page footer by CSS `content`: escaped as CSS strings."""


def css_string(text: str) -> Markup:
    """`text` safe inside a double-quoted CSS string in a <style> element (no HTML escaping
    applies there, so quotes, backslashes and '<' are escaped the CSS way)."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>' or ord(c) < 32 else c for c in text)
    return Markup(escaped)  # noqa: S704 - every character that could end the string is escaped


def _gettext(language: str) -> Callable[..., str]:
    catalogue = translations(language)

    def gettext(message: str, **values: object) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    return gettext


def _ngettext(language: str) -> Callable[..., str]:
    catalogue = translations(language)

    def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
        return catalogue.ngettext(singular, plural, n) % values

    return ngettext


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader(__package__ or "fundadmin.letters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def _stylesheet() -> tuple[Any, Any]:
    # WeasyPrint is imported at first use: without its system libraries the import fails, and
    # `readiness.check_letter_rendering` turns that into a clear message at start.
    from weasyprint import CSS  # noqa: PLC0415
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    fonts = FontConfiguration()
    text = resources.files(__package__).joinpath("templates/letter.css").read_text("utf-8")
    return CSS(string=f"{font_face_css()}\n{text}", font_config=fonts), fonts


def _sections(facts: LetterFacts | OverpaymentFacts) -> list[Section]:
    sections = []
    for lang in facts.languages:
        gettext = _gettext(lang)
        sections.append(
            Section(
                lang=lang,
                gettext=gettext,
                ngettext=_ngettext(lang),
                f=Formats(lang, facts.currency),
                page_word=css_string(gettext("Page")),
                footer_code=css_string(
                    gettext(
                        "%(reference)s · verification code %(code)s",
                        reference=facts.reference,
                        code=facts.verification_code,
                    )
                ),
            )
        )
    return sections


TITLES = {
    "decision": "Decision on your claim for compensation",
    "overpayment_waiver": "You do not have to pay the money back",
    "repayment_plan": "Paying back money you were overpaid",
}
"""The PDF's title per letter kind (the msgids of the letters' headings)."""


def letter_html(facts: LetterFacts | OverpaymentFacts, *, verify_url: str) -> str:
    title = _gettext(facts.languages[0])(TITLES[facts.kind])
    template = "letter.html" if facts.kind == "decision" else "overpayment.html"
    return (
        _environment()
        .get_template(template)
        .render(
            facts=facts,
            sections=_sections(facts),
            languages=facts.languages,
            title=f"{title} {facts.reference}",
            verify_url=verify_url,
        )
    )


def render_pdf(html: str) -> bytes:
    """The PDF of `html` with the letters' stylesheet and fonts (CPU work: ~150 ms a page)."""
    from weasyprint import HTML  # noqa: PLC0415 - see _stylesheet

    stylesheet, fonts = _stylesheet()
    document = HTML(string=html).render(stylesheets=[stylesheet], font_config=fonts)
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


def letter_pdf(facts: LetterFacts | OverpaymentFacts, *, verify_url: str) -> bytes:
    return render_pdf(letter_html(facts, verify_url=verify_url))
