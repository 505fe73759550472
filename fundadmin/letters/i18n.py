"""The letters' ten languages: gettext catalogues managed with Babel, and Babel's formatting.

The catalogues are `locale/<lang>/LC_MESSAGES/letters.po`, extracted from the template with
`pybabel extract` and kept with `pybabel update` (see `locale/README.md`). They are compiled in
memory when first used, so no compiled `.mo` file is committed or can go stale; a catalogue with a
missing or fuzzy text is refused at load (a letter must never mix languages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from io import BytesIO

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from fundadmin.letters.content import LETTER_LANGUAGES

DOMAIN = "letters"
SOURCE_LANGUAGE = "en"
"""The language the template is written in: its texts need no catalogue entry."""


class IncompleteCatalogue(RuntimeError):
    """A letter language's catalogue lacks a text or holds a fuzzy one."""


def _catalogue_path(language: str) -> str:
    return f"locale/{language}/LC_MESSAGES/{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (English: the template's own texts)."""
    if language not in LETTER_LANGUAGES:
        raise KeyError(language)
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    source = resources.files(__package__).joinpath(_catalogue_path(language))
    with source.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    if untranslated:
        raise IncompleteCatalogue(f"{language}: {len(untranslated)} texts missing or fuzzy")
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


FORMAT_LOCALES = {"en": "en_GB"}
"""English letters come from European authorities: dates as `1 December 2026`, not US style."""


@dataclass(frozen=True, slots=True)
class Formats:
    """Babel's formatting for one language, amounts in the letter's currency."""

    language: str
    currency: str

    @property
    def locale(self) -> str:
        return FORMAT_LOCALES.get(self.language, self.language)

    def money(self, amount: Decimal) -> str:
        # ISK has no minor unit: Babel's currency data says so, so kronur print without decimals.
        return format_currency(amount, self.currency, locale=self.locale)

    def date(self, day: date) -> str:
        return format_date(day, format="long", locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.locale)
