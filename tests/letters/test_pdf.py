"""Letters really rendered by WeasyPrint and read back with pypdf, in each of the ten languages."""

from __future__ import annotations

import io
import sys
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fundadmin.letters.content import LETTER_LANGUAGES, authority_of, letter_facts
from fundadmin.letters.fonts import (
    FONT_PROGRAM_FAMILY,
    embedded_font_families,
    letter_font_faces,
)
from fundadmin.letters.i18n import Formats, translations
from fundadmin.letters.pdf import letter_pdf
from fundadmin.letters.readiness import LettersUnavailable, check_letter_rendering
from tests.letters.factories import ACCOUNT, ADDRESS, CODE, facts, notice, recipient
from tests.letters.pdf_text import normalised, pdf_text

VERIFY_URL = "https://funds.example/api/v1/letters/verify"

SPECIAL_LETTERS = {
    "en": "",
    "da": "æøå",
    "et": "õäöü",
    "fi": "äö",
    "is": "áðþæö",
    "lv": "āēīūšņķ",
    "lt": "ąėųūš",
    "nb": "øå",
    "sv": "åäö",
    "ru": "ЖжВяюё",
}
"""Letters each language's own text uses, which must come out of the PDF intact."""


@pytest.fixture(scope="module")
def letters_by_language() -> dict[str, bytes]:
    return {
        lang: letter_pdf(facts("SE", (lang,)), verify_url=VERIFY_URL) for lang in LETTER_LANGUAGES
    }


@pytest.mark.parametrize("language", LETTER_LANGUAGES)
class TestEachLanguage:
    def test_states_reference_amounts_deadline_and_code(
        self, language: str, letters_by_language: dict[str, bytes]
    ) -> None:
        text = pdf_text(letters_by_language[language])
        stated = facts("SE", (language,))
        formats = Formats(language, "SEK")
        assert stated.reference in text
        for amount in (stated.awarded_total, stated.advances, *(h.awarded for h in stated.heads)):
            assert normalised(formats.money(amount)) in text, formats.money(amount)
        assert normalised(formats.date(stated.appeal_deadline)) in text
        assert CODE in text
        assert "•••• 7466" in text

    def test_is_written_in_the_language_with_its_letters_intact(
        self, language: str, letters_by_language: dict[str, bytes]
    ) -> None:
        text = pdf_text(letters_by_language[language])
        gettext = translations(language).gettext
        for message in ("Decision on your claim for compensation", "If you disagree"):
            assert normalised(gettext(message)) in text
        for letter in SPECIAL_LETTERS[language]:
            assert letter in text, letter

    def test_is_a_tagged_pdf_with_title_and_language(
        self, language: str, letters_by_language: dict[str, bytes]
    ) -> None:
        reader = PdfReader(io.BytesIO(letters_by_language[language]))
        root = reader.trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in root
        assert root["/Lang"] == language
        assert reader.metadata is not None
        assert "SE-2026-000123" in (reader.metadata.title or "")


class TestTwoLanguages:
    def test_her_language_first_then_the_countrys_each_on_its_own_pages(self) -> None:
        pdf = letter_pdf(facts("SE", ("lv", "sv")), verify_url=VERIFY_URL)
        reader = PdfReader(io.BytesIO(pdf))
        pages = [normalised(page.extract_text()) for page in reader.pages]
        first_sv = next(i for i, p in enumerate(pages) if "Beslut om din ansökan" in p)
        assert "Lēmums par Jūsu pieteikumu" in pages[0]
        assert all("Beslut om din ansökan" not in p for p in pages[:first_sv])
        assert first_sv > 0

    def test_every_page_is_numbered_and_carries_the_code(self) -> None:
        pdf = letter_pdf(facts("SE", ("lv", "sv")), verify_url=VERIFY_URL)
        reader = PdfReader(io.BytesIO(pdf))
        total = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            text = normalised(page.extract_text())
            assert f"{number} / {total}" in text
            assert CODE in text

    def test_icelandic_kronur_have_no_decimals(self) -> None:
        text = pdf_text(letter_pdf(facts("IS", ("is",)), verify_url=VERIFY_URL))
        assert normalised(Formats("is", "ISK").money(Decimal(612345))) in text
        assert "612.345,00" not in text


class TestPersonalData:
    def test_a_confidential_address_is_never_printed(self) -> None:
        confidential = letter_facts(
            notice(),
            recipient(confidential_address=True),
            authority_of("SE"),
            version=1,
            verification_code=CODE,
        )
        text = pdf_text(letter_pdf(confidential, verify_url=VERIFY_URL))
        for line in ADDRESS.splitlines():
            assert line not in text
        assert "Marta Centre" in text

    def test_the_bank_account_shows_only_its_last_four_characters(self) -> None:
        text = pdf_text(letter_pdf(facts(), verify_url=VERIFY_URL)).replace(" ", "")
        assert ACCOUNT.replace(" ", "")[:-4] not in text
        assert "05839825" not in text


class TestFonts:
    def test_the_embedded_fonts_are_the_ones_the_stylesheet_names(self) -> None:
        pdf = letter_pdf(facts("SE", ("ru", "is")), verify_url=VERIFY_URL)
        assert embedded_font_families(pdf) == {FONT_PROGRAM_FAMILY} == {"Source Sans Pro"}

    def test_the_font_files_are_found_and_cover_the_languages(self) -> None:
        assert [face.weight for face in letter_font_faces()] == [400, 700]


class TestStartUpCheck:
    def test_passes_where_the_font_and_libraries_are_installed(self) -> None:
        check_letter_rendering()

    def test_names_the_missing_font_package(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "font_source_sans_pro", None)
        with pytest.raises(LettersUnavailable, match=r"font-source-sans-pro.*make install"):
            check_letter_rendering()


class TestDecidedByHand:
    def test_the_letter_says_why_the_rules_proposed_nothing(self) -> None:
        stated = facts("SE", ("sv",), no_proposal_reason="Prisbasbeloppet för 2026 saknas.")
        text = pdf_text(letter_pdf(stated, verify_url=VERIFY_URL))
        assert "Reglerna kunde inte föreslå något belopp" in text
        assert "Prisbasbeloppet för 2026 saknas." in text


class TestOverpayment:
    def test_the_letter_says_what_she_owes_back_and_what_happens_next(self) -> None:
        stated = facts(
            "SE",
            ("en", "sv"),
            awarded_total=Decimal("15000"),
            already_paid=Decimal("20000"),
            owed_back=Decimal("5000"),
        )
        text = pdf_text(letter_pdf(stated, verify_url=VERIFY_URL))
        assert "Money to pay back" in text
        assert "more than the compensation we have now decided" in text
        assert "We will write to you about how to pay it back" in text
        assert "Pengar att betala tillbaka" in text
        assert "Du behöver inte göra något ännu" in text
        assert "Still to be paid" in text  # 0, and no payment section
        assert "We will pay" not in text

    def test_no_word_of_it_without_an_overpayment(self) -> None:
        text = pdf_text(letter_pdf(facts("SE", ("en",)), verify_url=VERIFY_URL))
        assert "pay back" not in text
