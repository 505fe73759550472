"""What an administrator's decision means: outcome, total, and whether four eyes are needed.

Pure: the service hands in the heads as claimed and proposed and the awards she entered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from claims.errors import InvalidClaimData
from claims.money import check_amount


class Outcome(StrEnum):
    APPROVED = "approved"
    PARTLY_APPROVED = "partly_approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class HeadFigures:
    position: int
    claimed: Decimal
    proposed: Decimal | None


@dataclass(frozen=True, slots=True)
class HeadAward:
    position: int
    awarded: Decimal
    reason: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    total: Decimal
    requires_second_approval: bool
    awards: tuple[HeadAward, ...]


def decide(
    heads: Sequence[HeadFigures],
    awards: Sequence[HeadAward],
    *,
    currency: str,
    threshold: Decimal,
    proposal_made: bool = True,
) -> Decision:
    """Check the awards against the heads and classify the decision.

    Every head gets exactly one award between zero and the amount claimed. A head awarded less
    than claimed, or other than the policy proposed, needs a written reason (the claimant is owed
    one, and a departure from the policy must be explained). Above `threshold` a second, different
    administrator must confirm. When the policy could make no proposal, every head needs a
    reason: the decision then rests on her judgement alone.
    """
    by_position = {award.position: award for award in awards}
    if len(by_position) != len(awards) or set(by_position) != {h.position for h in heads}:
        raise InvalidClaimData("heads", "give exactly one award for each head of the claim")
    ordered = []
    for head in heads:
        award = by_position[head.position]
        field = f"heads[{head.position}].awarded"
        check_amount(field, award.awarded, currency, currency, allow_zero=True)
        if award.awarded > head.claimed:
            raise InvalidClaimData(field, "must not exceed the amount claimed")
        departs = award.awarded < head.claimed or (
            head.proposed is not None and award.awarded != head.proposed
        )
        has_reason = bool(award.reason and award.reason.strip())
        if not proposal_made and not has_reason:
            raise InvalidClaimData(
                f"heads[{head.position}].reason",
                "the policy could make no proposal for this claim: give a reason for every head",
            )
        if departs and not has_reason:
            raise InvalidClaimData(
                f"heads[{head.position}].reason",
                "a reason is required when the award is below the claim or departs from the "
                "policy's proposal",
            )
        ordered.append(award)
    total = sum((a.awarded for a in ordered), Decimal(0))
    claimed = sum((h.claimed for h in heads), Decimal(0))
    if total == 0:
        outcome = Outcome.REJECTED
    elif total == claimed:
        outcome = Outcome.APPROVED
    else:
        outcome = Outcome.PARTLY_APPROVED
    return Decision(outcome, total, total > threshold, tuple(ordered))
