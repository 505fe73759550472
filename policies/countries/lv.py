"""Latvia: a flat award, a percentage (by offence tier) of five minimum monthly wages.

The law pays the tier's amount whatever the actual costs, so the statutory amount does not start
from the damage claimed. The minimum wage is taken on the date the claimant was recognised as
victim. The flat amount covers moral injury, physical suffering and financial loss together; it
is shown on the first statute-covered head and the others read "included".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from policies.base import ClaimFacts
from policies.engine import AssessmentRun, StandardPolicy, WorkingHead, percent
from policies.errors import InvalidPolicyData


@dataclass(frozen=True)
class LatviaPolicy(StandardPolicy):
    def check_data(self) -> None:
        super().check_data()
        self._require_reference("flat_award")
        for name in ("minimum_wage", "cap_minimum_wage_multiple"):
            if name not in self.parameters:
                raise InvalidPolicyData(f"{self.code}: parameter {name!r} is required")
        for offence in self.offences:
            if f"flat_share_{offence.tier or offence.code}" not in self.parameters:
                raise InvalidPolicyData(f"{self.code}: offence {offence.code!r} has no tier share")

    def statutory_amounts(
        self, heads: Sequence[WorkingHead], facts: ClaimFacts, as_of: date, run: AssessmentRun
    ) -> None:
        covered = [h for h in heads if h.layer == "statute"]
        for head in heads:
            if head.layer == "fund":
                super().statutory_amounts([head], facts, as_of, run)
        if not covered:
            return
        reference = self.references["flat_award"]
        tier = f"flat_share_{run.offence.tier or run.offence.code}"
        # A child at the time of the crime gets a higher share for some injuries.
        if run.minor and f"{tier}_minor" in run.parameters:
            tier = f"{tier}_minor"
        if tier not in run.parameters:
            for head in covered:
                head.amount = Decimal(0)
                head.step(
                    "flat_award", facts.offence, "no tier for this offence: 0 proposed", reference
                )
            run.find(
                "tier_not_determined",
                "attention",
                "the statute pays a percentage of the maximum by offence tier; no tier is "
                "recorded for this offence: the administrator chooses the tier",
                reference,
            )
            return
        on = self.base_date("victim_recognition", facts, as_of, run)
        wage = run.parameters.decimal("minimum_wage", on)
        multiple = run.parameters.decimal("cap_minimum_wage_multiple", on)
        share = run.parameters.decimal(tier, on)
        flat = wage * multiple * share
        first, *rest = covered
        first.amount = flat
        first.step(
            "flat_award",
            f"minimum wage {wage} {self.currency} on {on.isoformat()}; offence {facts.offence}"
            + ("; a minor at the time of the crime" if tier.endswith("_minor") else ""),
            f"{percent(share)} % of {multiple} x {wage} = {flat} {self.currency}, "
            "whatever the costs claimed",
            reference,
        )
        for head in rest:
            head.amount = Decimal(0)
            head.step("flat_award", "", "included in the flat compensation", reference)
        claimed = sum((h.claim.amount for h in covered), Decimal(0))
        if claimed > flat:
            run.find(
                "cap_reached",
                "attention",
                f"the flat compensation of {flat} {self.currency} ({percent(share)} % of the "
                f"maximum) is less than the {claimed} {self.currency} claimed",
                reference,
            )


POLICY = LatviaPolicy.from_package(__package__ or __name__, "lv.toml")
