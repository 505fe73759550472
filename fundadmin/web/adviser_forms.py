"""The legal adviser's forms (a claimant, a return-assistance application, an answer) shaped
into the API's own request JSON, and each JSON path mapped to the input it came from.

As in fundadmin.web.forms, the services validate exactly what they validate for the API; these
functions only name the missing fields first, in plain words, so the error summary reads well.
"""

from __future__ import annotations

from typing import Any, get_args

from babel import Locale
from litestar.datastructures import FormMultiDict

from claims.letters import LetterLanguage
from claims.schemas import MandateScope
from fundadmin.web.forms import FieldError, FormInvalid
from ledger import COUNTRY_CURRENCY
from ledger.chart import EXCHANGE_CURRENCIES
from policies import ReturnItem

LANGUAGES: dict[str, str] = {
    code: Locale.parse(code).get_display_name("en") or code for code in get_args(LetterLanguage)
}
"""Each language letters are written in, by its English name (the page is in English)."""
SCOPES: tuple[str, ...] = get_args(MandateScope)
RETURN_ITEMS = [i.value for i in ReturnItem]
PERSONAL_FIELDS = (
    "given_names",
    "family_name",
    "birth_date",
    "address",
    "phone",
    "email",
    "bank_account",
    "statement",
)
CLAIMANT_FIELDS = {
    **{f"personal.{name}": name for name in PERSONAL_FIELDS},
    "personal": "given_names",
    "preferred_language": "preferred_language",
    "identification_status": "identification_status-presumed",
    "confidential_address": "confidential_address",
    "mandate.signed_on": "mandate_signed_on",
    "mandate.scope": f"mandate_scope-{SCOPES[0]}",
    "mandate": "mandate_signed_on",
}
"""Each path of ClaimantCreate (and of the service's refusals) to the input it is typed in."""


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _required(form: FormMultiDict, wanted: dict[str, str]) -> None:
    """FormInvalid naming each input of `wanted` (id: message) that was left empty."""
    errors = [
        FieldError(name, message) for name, message in wanted.items() if not _text(form, name)
    ]
    if errors:
        raise FormInvalid(errors)


def claimant(form: FormMultiDict) -> dict[str, Any]:
    """The registration form as the API's ClaimantCreate JSON."""
    _required(
        form,
        {
            "given_names": "Enter her given names",
            "family_name": "Enter her family name",
            "mandate_signed_on": "Enter the date she signed the mandate",
        },
    )
    scope = [s for s in SCOPES if form.get(f"mandate_scope-{s}") == "yes"]
    if not scope:
        raise FormInvalid(
            [FieldError(f"mandate_scope-{SCOPES[0]}", "Choose what the mandate covers")]
        )
    return {
        "personal": {name: _text(form, name) or None for name in PERSONAL_FIELDS},
        "preferred_language": _text(form, "preferred_language"),
        "identification_status": _text(form, "identification_status"),
        "confidential_address": form.get("confidential_address") == "yes",
        "mandate": {"signed_on": _text(form, "mandate_signed_on"), "scope": scope},
    }


def return_application(
    form: FormMultiDict, countries: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The application form as the API's ApplicationCreate JSON, and each path's input id.

    One row per item the fund may pay for: an item is requested when its amount is filled in,
    in the paying country's currency."""
    country = _text(form, "country")
    if country not in countries:
        raise FormInvalid([FieldError("country", "Choose a paying country you file in")])
    _required(
        form,
        {
            "return_town": "Enter the town she returns to",
            "planned_on": "Enter the planned date of departure",
            "receiving_name": "Enter the receiving organisation's name",
            "receiving_bank_account": "Enter the receiving organisation's IBAN",
        },
    )
    fields = {
        "claimant_id": "claimant_id",
        "country": "country",
        "return_country": "return_country",
        "return_town": "return_town",
        "planned_on": "planned_on",
        "adults": "adults",
        "children": "children",
        "receiving_organisation.name": "receiving_name",
        "receiving_organisation.country": "receiving_country",
        "receiving_organisation.currency": "receiving_currency",
        "receiving_organisation.bank_account": "receiving_bank_account",
        "receiving_organisation": "receiving_name",
        "items": f"item-{RETURN_ITEMS[0]}",
    }
    items: list[dict[str, str]] = []
    for item in RETURN_ITEMS:
        amount = _text(form, f"item-{item}")
        if amount:
            fields[f"items[{len(items)}].amount"] = f"item-{item}"
            fields[f"items[{len(items)}].item"] = f"item-{item}"
            items.append({"item": item, "amount": amount, "currency": COUNTRY_CURRENCY[country]})
    if not items:
        raise FormInvalid(
            [FieldError(f"item-{RETURN_ITEMS[0]}", "Enter an amount for at least one item")]
        )
    return {
        "claimant_id": _text(form, "claimant_id"),
        "country": country,
        "return_country": _text(form, "return_country"),
        "return_town": _text(form, "return_town"),
        "planned_on": _text(form, "planned_on"),
        "adults": _text(form, "adults") or "1",
        "children": _text(form, "children") or "0",
        "receiving_organisation": {
            "name": _text(form, "receiving_name"),
            "country": _text(form, "receiving_country"),
            "currency": _text(form, "receiving_currency"),
            "bank_account": _text(form, "receiving_bank_account"),
        },
        "items": items,
    }, fields


def payee_currencies(country: str) -> list[str]:
    """What a receiving organisation may be paid in by `country`'s fund."""
    return sorted({COUNTRY_CURRENCY[country], *EXCHANGE_CURRENCIES})


def answer(form: FormMultiDict, field: str) -> dict[str, Any]:
    """An answer to a request for information as the API's InformationAnswer JSON."""
    _required(form, {field: "Enter your answer"})
    return {"answer": _text(form, field)}


def field_of(path: str, fields: dict[str, str], fallback: str) -> str:
    """The input a service's refusal about `path` points at."""
    head = path.split(".", maxsplit=1)[0].split("[", maxsplit=1)[0]
    return fields.get(path, fields.get(head, fallback))
