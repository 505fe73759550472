"""The decision notice: the one place where a letter renderer plugs in.

Issuing the letter records that the decision was sent, in which languages and when, and hands
the :class:`DecisionNotice` to a :class:`LetterRenderer` inside the same transaction (the service
shell's renders the PDF and stores it); if it fails, the claim stays `decided` and its award
stays reserved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol, get_args

LetterLanguage = Literal[
    "da",
    "et",
    "fi",
    "is",
    "lt",
    "lv",
    "nb",
    "nn",
    "sv",
    "en",
    "fr",
    "es",
    "pt",
    "ru",
    "uk",
    "ro",
    "bg",
    "pl",
    "vi",
    "th",
    "zh",
    "ar",
]
"""ISO 639-1 codes of the languages a decision letter can be written in: every language the
funds' countries write in, and the languages most victims the funds compensate read."""
LETTER_LANGUAGES = frozenset(get_args(LetterLanguage))


@dataclass(frozen=True, slots=True)
class NoticeHead:
    category: str
    sub_kind: str | None
    claimed: Decimal
    awarded: Decimal
    reason: str | None
    """The administrator's reason for this head, in her words."""
    references: tuple[str, ...] = ()
    """Legal references of the rules the policy applied to this head (from its trace)."""


@dataclass(frozen=True, slots=True)
class DecisionNotice:
    """Everything a decision letter states, except her personal data (the renderer reads that
    from the vault with `claimant_id`, so a notice can be logged or queued safely)."""

    claim_id: uuid.UUID
    claim_reference: str
    claimant_id: uuid.UUID
    country: str
    currency: str
    outcome: str
    awarded_total: Decimal
    advances: Decimal
    """Advances the fund paid before the decision; the policy already deducted them from the
    heads' awards, so the letter states them without deducting them again."""
    already_paid: Decimal
    """Payments recorded on this claim before this letter (a corrected decision): still to pay is
    the total less these."""
    reason: str
    no_proposal_reason: str | None
    """Set when the policy could make no proposal: the letter says the decision was made by hand
    and why no proposal could be made."""
    heads: tuple[NoticeHead, ...]
    languages: tuple[str, ...]
    """Her preferred language first, then the deciding country's letter languages."""
    decided_at: datetime
    issued_at: datetime
    owed_back: Decimal = Decimal(0)
    """What she owes the fund back once this letter books a decision below what she was paid (an
    appeal); the letter says so and what happens next."""


class LetterRenderer(Protocol):
    async def render(self, notice: DecisionNotice) -> None:
        """Produce and store the letter of `notice` (in each of its languages); raise to refuse."""


def letter_languages(preferred: str, country_languages: tuple[str, ...]) -> tuple[str, ...]:
    """Her language first, then the country's, each once."""
    return tuple(dict.fromkeys((preferred, *country_languages)))
