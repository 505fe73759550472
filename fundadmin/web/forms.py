"""From an HTML form to the API's own request types, and a failure back to named fields.

A form is flat text; these functions shape it into the Structs the API decodes (ClaimCreate,
AssessRequest, DecisionRequest), so the services validate exactly what they validate for the
API. A refusal becomes a list of (field id, message) for the error summary at the top of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import msgspec
from litestar.datastructures import FormMultiDict

from fundadmin.web.i18n import n_
from ledger import COUNTRY_CURRENCY
from policies.base import HeadCategory

MAX_HEAD_ROWS = 20
"""Most rows for heads of damage on the claim form; a row left empty is not a head."""
CATEGORIES = [c.value for c in HeadCategory]
SUB_KINDS = [
    "",
    "pain_and_suffering",
    "violation",
    "permanent_injury",
    "medical",
    "property",
    "lost_income",
    "other",
]
T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    field: str
    """The id of the input the message is about (the summary links to it)."""
    message: str


class FormInvalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional(form: FormMultiDict, name: str) -> str | None:
    return _text(form, name) or None


def convert(raw: dict[str, Any], into: type[T], fields: dict[str, str]) -> T:
    """`raw` as `into`, decoded as the API decodes it; `fields` maps a path to its input id."""
    try:
        return msgspec.convert(raw, into, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        path = where.rstrip("`").removeprefix(".")
        field = fields.get(path, fields.get(path.split(".")[0], "form"))
        raise FormInvalid([FieldError(field, f"{path or 'form'}: {message}")]) from None


def head_rows(form: FormMultiDict, *, add: bool = False) -> int:
    """How many head rows the claim form shows: as many as it was sent with (`head_rows`), one
    more when she asked for another (the no-script "add another head" button), at least one."""
    sent = _text(form, "head_rows")
    rows = int(sent) if sent.isdigit() else 1
    return max(1, min(MAX_HEAD_ROWS, rows + (1 if add else 0)))


def claim_facts(
    form: FormMultiDict, country: str, countries: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The facts and heads of the claim form as the API's JSON, and each path's input id;
    `country` must be one of `countries` (those she files in)."""
    if country not in countries:
        raise FormInvalid([FieldError("country", "Choose a country you file in")])
    currency = COUNTRY_CURRENCY[country]
    heads: list[dict[str, Any]] = []
    fields = {"offence": "offence", "crime_date": "crime_date", "heads": "head-0-amount"}
    for row in range(head_rows(form)):
        amount = _text(form, f"head-{row}-amount")
        if not amount:
            continue
        fields[f"heads[{len(heads)}].amount_claimed"] = f"head-{row}-amount"
        fields[f"heads[{len(heads)}].category"] = f"head-{row}-category"
        fields[f"heads[{len(heads)}].sub_kind"] = f"head-{row}-sub_kind"
        heads.append(
            {
                "category": _text(form, f"head-{row}-category"),
                "sub_kind": _optional(form, f"head-{row}-sub_kind"),
                "amount_claimed": amount,
                "currency": currency,
            }
        )
    facts = {
        "offence": _text(form, "offence"),
        "crime_date": _text(form, "crime_date"),
        "reported_to_police": form.get("reported_to_police") == "yes",
        "police_report_date": _optional(form, "police_report_date"),
        "heads": heads,
    }
    if not heads:
        raise FormInvalid([FieldError("head-0-amount", "Enter at least one head of damage")])
    return facts, fields


def estimate_request(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """The claim form's facts as a dry-run assessment request on `today`."""
    return {**facts, "application_date": today.isoformat()}


def claim_create(facts: dict[str, Any], claimant_id: str, country: str) -> dict[str, Any]:
    heads = [
        {
            "category": h["category"],
            "sub_kind": h["sub_kind"],
            "amount_claimed": h["amount_claimed"],
            "currency": h["currency"],
        }
        for h in facts["heads"]
    ]
    return {**facts, "heads": heads, "claimant_id": claimant_id, "country": country}


def decision(form: FormMultiDict, positions: list[int]) -> tuple[dict[str, Any], dict[str, str]]:
    """The decision form as the API's DecisionRequest JSON: an amount and a reason per head."""
    fields = {"reason": "reason"}
    heads: list[dict[str, Any]] = []
    for index, position in enumerate(positions):
        fields[f"heads[{index}].awarded"] = f"awarded-{position}"
        fields[f"heads[{index}].reason"] = f"head-reason-{position}"
        heads.append(
            {
                "position": position,
                "awarded": _text(form, f"awarded-{position}"),
                "reason": _optional(form, f"head-reason-{position}"),
            }
        )
    return {"heads": heads, "reason": _text(form, "reason")}, fields


def payment(form: FormMultiDict, currency: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The payment form as the API's PaymentCreate JSON, in the claim's own currency."""
    fields = {"amount": "amount", "paid_on": "paid_on", "bank_reference": "bank_reference"}
    errors = [
        FieldError(name, message)
        for name, message in (
            ("amount", n_("Enter the amount paid")),
            ("paid_on", n_("Enter the value date of the transfer")),
        )
        if not _text(form, name)
    ]
    if errors:
        raise FormInvalid(errors)
    return {
        "amount": _text(form, "amount"),
        "currency": currency,
        "paid_on": _text(form, "paid_on"),
        "bank_reference": _optional(form, "bank_reference"),
    }, fields
