"""The pages' languages: English, and the language of each country the visitor works in.

The texts are gettext catalogues managed with Babel (`locale/<lang>/LC_MESSAGES/web.po`, see
`locale/README.md`), compiled in memory at first use as the letters' are. The templates mark
their texts with Jinja's i18n extension; `gettext` reads the page's catalogue from the render
context, so two pages in two languages can render at once.

Which language a page is in: the one she chose with the switch (a cookie), else the best match
of her browser's Accept-Language among those offered to her, else English. Names from the
country policies (rules, findings, legal references) stay in the language the policy gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from io import BytesIO

from babel.core import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context

from fundadmin.security.principal import ALL_COUNTRIES, Principal

DOMAIN = "web"
SOURCE_LANGUAGE = "en"
COUNTRY_LANGUAGES: Mapping[str, str] = {
    "SE": "sv",
    "DK": "da",
    "NO": "nb",
    "FI": "fi",
    "IS": "is",
    "EE": "et",
    "LV": "lv",
    "LT": "lt",
}
"""The official language each fund's country writes its pages in (Norway: Bokmål)."""
LANGUAGES = (SOURCE_LANGUAGE, *sorted(set(COUNTRY_LANGUAGES.values())))
LANGUAGE_COOKIE = "fundadmin_language"
ALIASES = {"no": "nb", "nn": "nb"}
"""Browser language tags that mean a language the pages are written in."""
FORMAT_LOCALES = {"en": "en_GB"}
"""English figures as in the United Kingdom: `1,234.50` and dates day first."""


def native_name(language: str) -> str:
    """The language's name in itself (`svenska`), as a language switch names it."""
    return Locale.parse(language).get_display_name(language) or language


def languages_for(principal: Principal | None) -> list[str]:
    """English, then the language of each country `principal` works in (all of them for a
    visitor reaching every country, or before sign-in)."""
    if principal is None:
        return list(LANGUAGES)
    countries: set[str] = set()
    for role in principal.roles:
        countries |= principal.countries(role)
    if ALL_COUNTRIES in countries:
        return list(LANGUAGES)
    own = {COUNTRY_LANGUAGES[c] for c in countries if c in COUNTRY_LANGUAGES}
    return [SOURCE_LANGUAGE, *sorted(own)]


def _accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base and quality > 0:
            weighted.append((-quality, index, ALIASES.get(base, base)))
    return [language for *_, language in sorted(weighted)]


def choose(offered: list[str], chosen: str | None, accept_language: str) -> str:
    """The page's language: `chosen` (the switch), else the browser's best offered one."""
    if chosen in offered:
        return chosen
    return next((lang for lang in _accepted(accept_language) if lang in offered), SOURCE_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (English: the templates' own texts)."""
    if language not in LANGUAGES:
        raise KeyError(language)
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    source = resources.files(__package__).joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.po")
    with source.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _catalogue(context: Context) -> NullTranslations:
    return translations(context.get("lang") or SOURCE_LANGUAGE)


@pass_context
def gettext(context: Context, message: str) -> str:
    return _catalogue(context).gettext(message)


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).ngettext(singular, plural, n)


@pass_context
def number(context: Context, value: Decimal | int | None) -> str:
    """`value` as the page's language writes numbers (`1 234,50` in Swedish), with the digits
    it has (money comes at its currency's precision)."""
    if value is None:
        return ""
    language = context.get("lang") or SOURCE_LANGUAGE
    exponent = Decimal(value).as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=FORMAT_LOCALES.get(language, language))


def n_(message: str) -> str:
    """Marks a text for the catalogue that the templates translate later (a status name)."""
    return message
