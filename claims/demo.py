"""Demo claims: a dozen claims in every stage of the lifecycle, in Sweden, Latvia and Finland.

Everything is written through the services, so the demo obeys every rule real data obeys
(encryption, four eyes, ledger reservations and payments). Names are invented and marked demo.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository, services
from claims.access import Actor
from claims.letters import LetterLanguage, LetterRenderer
from claims.models import Claim
from claims.personal_data import PersonalDataVault
from claims.returns.demo import seed_return
from claims.schemas import (
    ClaimantCreate,
    ClaimCreate,
    DecisionRequest,
    HeadDecisionIn,
    HeadIn,
    MandateIn,
    PaymentCreate,
    PersonalData,
)
from ledger.chart import Country, Currency
from policies import HeadCategory

ADVISER = "adviser-marta"
FINNISH_ADVISER = "adviser-pro"
Step = tuple[str, str, dict[str, Any]]
"""(service function, acting demo user, keyword arguments) of one lifecycle step."""


async def _user(session: AsyncSession, username: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    users = sa.table("user_account", sa.column("id"), sa.column("username"))
    row = (
        await session.execute(
            sa.select(users.c.id, sa.column("organisation_id"))
            .select_from(users)
            .where(users.c.username == username)
        )
    ).one()
    return row[0], row[1]


async def _actors(session: AsyncSession) -> dict[str, Actor]:
    actors = {}
    for username, countries in ((ADVISER, {"SE", "LV"}), (FINNISH_ADVISER, {"FI"})):
        adviser_id, organisation = await _user(session, username)
        actors[username] = Actor(adviser_id, organisation, adviser_countries=frozenset(countries))
    for username, country in (("admin-se", "SE"), ("admin2-se", "SE"), ("admin-lv", "LV")):
        user_id, _ = await _user(session, username)
        actors[username] = Actor(user_id, None, administrator_countries=frozenset({country}))
    return actors


def _heads(currency: Currency, non_material: str, medical: str, wages: str) -> list[HeadIn]:
    return [
        HeadIn(HeadCategory.NON_MATERIAL, Decimal(non_material), currency),
        HeadIn(HeadCategory.MATERIAL_LOSS, Decimal(medical), currency, "medical"),
        HeadIn(HeadCategory.WITHHELD_EARNINGS, Decimal(wages), currency),
    ]


def _decision(*awards: str) -> DecisionRequest:
    return DecisionRequest(
        heads=[
            HeadDecisionIn(i, Decimal(a), "Demo: set on the evidence in the file.")
            for i, a in enumerate(awards)
        ],
        reason="Demo decision.",
    )


class _Demo:
    def __init__(
        self,
        session: AsyncSession,
        vault: PersonalDataVault,
        actors: dict[str, Actor],
        now: datetime,
        renderer: LetterRenderer | None = None,
    ):
        self.session = session
        self.vault = vault
        self.actors = actors
        self.now = now
        self.renderer = renderer

    async def claimant(
        self, number: int, language: LetterLanguage, adviser: str = ADVISER
    ) -> uuid.UUID:
        row = await services.register_claimant(
            self.session,
            self.vault,
            self.actors[adviser],
            ClaimantCreate(
                personal=PersonalData(
                    given_names="Demo",
                    family_name=f"Claimant {number}",
                    bank_account=f"DEMO-ACCOUNT-{number:04d}",
                ),
                preferred_language=language,
                identification_status="identified" if number % 2 else "presumed",
                mandate=MandateIn(
                    signed_on=self.now.date() - timedelta(days=60),
                    scope=["compensation", "appeals"],
                ),
            ),
            now=self.now,
        )
        return row.id

    async def claim(
        self, claimant_id: uuid.UUID, country: Country, heads: list[HeadIn], adviser: str = ADVISER
    ) -> Claim:
        claim = await services.create_claim(
            self.session,
            self.actors[adviser],
            ClaimCreate(
                claimant_id=claimant_id,
                country=country,
                offence="trafficking",
                crime_date=self.now.date() - timedelta(days=300),
                reported_to_police=True,
                heads=heads,
                crime_place="Demo municipality",
            ),
            now=self.now,
        )
        # The demo's later steps (letters) quote the reference before the demo commits.
        await repository.number_claims_now(self.session, claim)
        return claim

    async def run(self, claim: Claim, *steps: Step) -> Claim:
        for name, user, step_kwargs in steps:
            action = getattr(services, name)
            kwargs = dict(step_kwargs)
            if name == "issue_letter" and self.renderer is not None:
                kwargs["renderer"] = self.renderer
            await action(
                self.session,
                self.actors[user],
                claim.id,
                expected_version=claim.version,
                now=self.now,
                **kwargs,
            )
            claim = await services.get_claim(self.session, self.actors[user], claim.id)
        return claim


async def _seed(
    session: AsyncSession,
    vault: PersonalDataVault,
    now: datetime,
    renderer: LetterRenderer | None = None,
) -> list[str]:
    demo = _Demo(session, vault, await _actors(session), now, renderer)
    today = now.date()
    submit: Step = ("submit", ADVISER, {})
    review_se: Step = ("start_review", "admin-se", {})
    assess_se: Step = ("assess", "admin-se", {})
    review_lv: Step = ("start_review", "admin-lv", {})
    assess_lv: Step = ("assess", "admin-lv", {})
    ask: Step = (
        "request_information",
        "admin-se",
        {"question": "Demo: receipts?", "due_date": None},
    )
    se = [await demo.claimant(n, "lv" if n % 2 else "sv") for n in range(1, 5)]
    lv = [await demo.claimant(n, "lv") for n in range(5, 7)]
    fi = await demo.claimant(7, "fi", FINNISH_ADVISER)
    small_se = _heads("SEK", "40000", "5000", "10000")
    large_se = _heads("SEK", "150000", "20000", "80000")
    small_lv = _heads("EUR", "3000", "500", "1000")

    await demo.claim(se[0], "SE", small_se)
    await demo.run(await demo.claim(se[0], "SE", small_se), submit)
    await demo.run(await demo.claim(se[1], "SE", small_se), submit, review_se)
    await demo.run(await demo.claim(se[1], "SE", small_se), submit, review_se, ask)
    await demo.run(await demo.claim(se[2], "SE", small_se), submit, review_se, assess_se)
    decide_large: Step = ("make_decision", "admin-se", {"data": _decision("150000", "20000", "0")})
    await demo.run(
        await demo.claim(se[2], "SE", large_se), submit, review_se, assess_se, decide_large
    )
    decide_small: Step = ("make_decision", "admin-se", {"data": _decision("40000", "5000", "0")})
    letter: Step = ("issue_letter", "admin-se", {})
    await demo.run(
        await demo.claim(se[3], "SE", small_se),
        submit,
        review_se,
        assess_se,
        decide_small,
        letter,
        (
            "record_payment",
            "admin-se",
            {"data": PaymentCreate(Decimal(20000), "SEK", today)},
        ),
    )
    paid = await demo.run(
        await demo.claim(se[3], "SE", small_se),
        submit,
        review_se,
        assess_se,
        decide_small,
        letter,
        ("record_payment", "admin-se", {"data": PaymentCreate(Decimal(45000), "SEK", today)}),
        ("close", "admin-se", {}),
    )
    await demo.run(paid, ("appeal", ADVISER, {"reason": "Demo: withheld wages proven."}))

    await demo.run(await demo.claim(lv[0], "LV", small_lv), submit)
    await demo.run(
        await demo.claim(lv[0], "LV", small_lv),
        submit,
        review_lv,
        assess_lv,
        ("make_decision", "admin-lv", {"data": _decision("0", "0", "0")}),
        ("issue_letter", "admin-lv", {}),
        ("close", "admin-lv", {}),
    )
    await demo.run(
        await demo.claim(lv[1], "LV", small_lv),
        submit,
        ("withdraw", ADVISER, {"reason": "Demo: she decided not to go on."}),
    )
    await demo.run(
        await demo.claim(fi, "FI", _heads("EUR", "4000", "800", "600"), FINNISH_ADVISER),
        ("submit", FINNISH_ADVISER, {}),
    )
    returning = await seed_return(
        session, vault, demo.actors[ADVISER], demo.actors["admin-se"], now
    )
    return ["demo claims: 13 claims in SE, LV and FI, from draft to closed and appealed", returning]


def claims_seeder(
    vault_of: Callable[[Any], PersonalDataVault],
    renderer_of: Callable[[AsyncSession, PersonalDataVault, Any], LetterRenderer] | None = None,
) -> Callable[[AsyncSession, Any, datetime], Awaitable[list[str]]]:
    """The demo seeder, given how the shell builds the vault (and the letter renderer, so demo
    letters are real PDFs) from its settings."""

    async def seed(session: AsyncSession, settings: Any, now: datetime) -> list[str]:
        vault = vault_of(settings)
        renderer = renderer_of(session, vault, settings) if renderer_of else None
        return await _seed(session, vault, now, renderer)

    return seed
