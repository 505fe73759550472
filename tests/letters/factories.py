"""Notices, recipients and facts for letter tests, without a database."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from claims import DecisionNotice
from claims.letters import NoticeHead
from fundadmin.letters.content import LetterFacts, Recipient, authority_of, letter_facts
from tests.clock import NOW

CODE = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
ADDRESS = "Secret Street 17\n11122 Stockholm"
ACCOUNT = "SE45 5000 0000 0583 9825 7466"
CURRENCIES = {"SE": "SEK", "LV": "EUR", "IS": "ISK", "DK": "DKK", "NO": "NOK", "FI": "EUR"}


def notice(country: str = "SE", languages: tuple[str, ...] = ("lv", "sv"), **overrides: Any):
    values: dict[str, Any] = {
        "claim_id": uuid.uuid4(),
        "claim_reference": f"{country}-2026-000123",
        "claimant_id": uuid.uuid4(),
        "country": country,
        "currency": CURRENCIES[country],
        "outcome": "partly_approved",
        "awarded_total": Decimal("61234.50") if country != "IS" else Decimal("612345"),
        "advances": Decimal("5000"),
        "already_paid": Decimal(0),
        "reason": "Decided on the evidence.",
        "no_proposal_reason": None,
        "heads": (
            NoticeHead(
                "non_material",
                None,
                Decimal("50000"),
                Decimal("45000") if country != "IS" else Decimal("450000"),
                "The statute's cap.",
                ("Brottsskadelag (2014:322) § 14",),
            ),
            NoticeHead(
                "material_loss",
                "medical",
                Decimal("20000"),
                Decimal("16234.50") if country != "IS" else Decimal("162345"),
                None,
            ),
        ),
        "languages": languages,
        "decided_at": NOW,
        "issued_at": NOW,
    }
    values.update(overrides)
    return DecisionNotice(**values)


def recipient(**overrides: Any) -> Recipient:
    values: dict[str, Any] = {
        "name": "Ilze Bērziņa",
        "address": ADDRESS,
        "confidential_address": False,
        "organisation": "Marta Centre",
        "bank_account": ACCOUNT,
    }
    values.update(overrides)
    return Recipient(**values)


def facts(
    country: str = "SE", languages: tuple[str, ...] = ("lv", "sv"), **overrides: Any
) -> LetterFacts:
    return letter_facts(
        notice(country, languages, **overrides),
        recipient(),
        authority_of(country),
        version=1,
        verification_code=CODE,
    )
