"""What a letter states, decided before anything is rendered (no PDF, no database)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fundadmin.letters.content import (
    LETTER_LANGUAGES,
    authority_of,
    letter_facts,
    letter_languages_for,
    mask_account,
)
from tests.clock import TODAY
from tests.letters.factories import ACCOUNT, CODE, notice, recipient


class TestMaskAccount:
    def test_only_the_last_four_characters_show(self) -> None:
        assert mask_account(ACCOUNT) == "•••• 7466"

    def test_a_short_account_shows_nothing(self) -> None:
        assert mask_account("1234") == "••••"


class TestAddressee:
    def test_her_address_when_it_is_not_confidential(self) -> None:
        facts = letter_facts(
            notice(), recipient(), authority_of("SE"), version=1, verification_code=CODE
        )
        assert facts.addressee == ("Ilze Bērziņa", "Secret Street 17", "11122 Stockholm")
        assert facts.care_of is None

    def test_her_advisers_organisation_when_her_address_is_confidential(self) -> None:
        facts = letter_facts(
            notice(),
            recipient(confidential_address=True),
            authority_of("SE"),
            version=1,
            verification_code=CODE,
        )
        assert facts.addressee == ("Ilze Bērziņa",)
        assert facts.care_of == "Marta Centre"

    def test_her_advisers_organisation_when_no_address_is_known(self) -> None:
        facts = letter_facts(
            notice(), recipient(address=None), authority_of("SE"), version=1, verification_code=CODE
        )
        assert facts.care_of == "Marta Centre"


class TestFigures:
    def test_still_to_pay_is_the_total_less_what_was_paid_on_the_claim(self) -> None:
        facts = letter_facts(
            notice(already_paid=Decimal("20000")),
            recipient(),
            authority_of("SE"),
            version=2,
            verification_code=CODE,
        )
        assert facts.to_pay == Decimal("41234.50")
        assert facts.advances == Decimal(5000)

    def test_the_appeal_deadline_runs_from_the_letters_date(self) -> None:
        authority = authority_of("SE")
        facts = letter_facts(notice(), recipient(), authority, version=1, verification_code=CODE)
        assert facts.appeal_deadline == TODAY + timedelta(days=authority.appeal_days)

    def test_every_country_has_an_authority_for_its_letters(self) -> None:
        for country in ("DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"):
            authority = authority_of(country)
            assert authority.name
            assert authority.appeal_days > 0
            assert authority.appeal_to

    def test_the_authorities_the_reference_confirms_are_the_ones_letters_name(self) -> None:
        # ../shared/reference/compensation-schemes.md: who decides, and where a Finnish decision is
        # appealed (the Insurance Court, not the accident appeals board the file first named).
        deciding = {
            "DK": "Erstatningsnævnet",
            "EE": "Sotsiaalkindlustusamet",
            "FI": "Valtiokonttori",
            "IS": "Bótanefnd",
            "LT": "Valstybės garantuojamos teisinės pagalbos tarnyba",
            "LV": "Tiesu administrācija",
            "NO": "Kontoret for voldsoffererstatning",
            "SE": "Brottsoffermyndigheten",
        }
        for country, name in deciding.items():
            assert authority_of(country).name == name
        assert authority_of("FI").appeal_to[0] == "Vakuutusoikeus"
        assert authority_of("NO").address[:2] == ("Postboks 253", "9951 Vardø")


class TestLanguages:
    def test_hers_first_then_the_countrys_each_once(self) -> None:
        assert letter_languages_for(("lv", "sv")) == ("lv", "sv")
        assert letter_languages_for(("sv", "sv")) == ("sv",)

    def test_a_language_without_a_catalogue_becomes_english(self) -> None:
        assert letter_languages_for(("uk", "fi", "sv")) == ("en", "fi", "sv")

    def test_ten_languages(self) -> None:
        assert sorted(LETTER_LANGUAGES) == sorted(
            ["en", "da", "et", "fi", "is", "lv", "lt", "nb", "sv", "ru"]
        )
