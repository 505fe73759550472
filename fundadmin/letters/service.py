"""Issuing, listing, reading and verifying stored letters (database and vault at the edges).

:class:`StoredLetterRenderer` is the service shell's :class:`claims.LetterRenderer`: handed a
decision notice inside the transaction that issues the letter, it reads what the letter needs of
her from the vault (never her address when it is confidential), renders the PDF off the event
loop, and stores it encrypted with its hash and verification code. If rendering fails, nothing
of the issue is committed.

A letters worker renders first, outside that transaction (:func:`decision_facts` from a read of
the claim, then :func:`render_letter`), and hands the result to the renderer as a
:class:`PreparedLetter`: the renderer stores it only if the facts the issuing transaction states
are exactly the ones rendered, and renders again otherwise. So the PDF always says what was
committed, and the seconds of rendering hold none of the issue's locks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import DecisionNotice, PersonalDataErased, PersonalDataVault
from claims.models import Claimant
from fundadmin.letters.content import (
    LetterFacts,
    OverpaymentFacts,
    OverpaymentNotice,
    Recipient,
    authority_of,
    letter_facts,
    overpayment_facts,
)
from fundadmin.letters.models import ClaimLetter
from fundadmin.letters.pdf import letter_pdf
from fundadmin.letters.verification import new_verification_code, normalise_code
from fundadmin.security.models import Organisation

LETTER_FIELD = "letter"
"""Vault field the PDF is encrypted under."""


VERIFY_PATH = "/api/v1/letters/verify"


def verify_url(public_url: str) -> str:
    """Where the letter tells a reader to check its code."""
    return f"{public_url.rstrip('/')}{VERIFY_PATH}"


class LetterNotFound(LookupError):
    """No letter with that version or code (or not in the caller's reach)."""


async def _clear(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, name: str
) -> str | None:
    ciphertext = getattr(claimant, f"{name}_enc")
    if ciphertext is None:
        return None
    value = await vault.decrypt(session, claimant.subject_id, name, ciphertext)
    return value.decode("utf-8") if value is not None else None


async def recipient_of(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant
) -> Recipient:
    """Her name, bank account and (unless confidential) address, and her organisation's name."""
    organisation = await session.get(Organisation, claimant.organisation_id)
    assert organisation is not None
    names = [await _clear(session, vault, claimant, f) for f in ("given_names", "family_name")]
    return Recipient(
        name=" ".join(n for n in names if n) or "—",
        # A confidential address is not even decrypted: it cannot leak into a letter.
        address=None
        if claimant.confidential_address
        else await _clear(session, vault, claimant, "address"),
        confidential_address=claimant.confidential_address,
        organisation=organisation.name,
        bank_account=await _clear(session, vault, claimant, "bank_account"),
    )


@dataclass(frozen=True, slots=True)
class PreparedLetter:
    """A decision letter rendered before the transaction that issues it, with what it states."""

    facts: LetterFacts
    pdf: bytes


async def decision_facts(
    session: AsyncSession,
    vault: PersonalDataVault,
    notice: DecisionNotice,
    *,
    verification_code: str,
) -> LetterFacts:
    """What the decision letter of `notice` states, with her details from the vault, as the
    claim's next letter version."""
    claimant = await session.get(Claimant, notice.claimant_id)
    assert claimant is not None
    return letter_facts(
        notice,
        await recipient_of(session, vault, claimant),
        authority_of(notice.country),
        version=await next_version(session, notice.claim_id),
        verification_code=verification_code,
    )


async def render_letter(facts: LetterFacts | OverpaymentFacts, *, verify_url: str) -> bytes:
    # WeasyPrint is CPU work: a thread keeps the event loop answering other requests.
    return await anyio.to_thread.run_sync(lambda: letter_pdf(facts, verify_url=verify_url))


@dataclass
class StoredLetterRenderer:
    """Renders and stores the letter of a notice in the caller's session; `issued` lists what it
    stored, for the caller's audit lines. With `prepared`, stores that PDF instead of rendering
    when it states exactly what this notice does."""

    session: AsyncSession
    vault: PersonalDataVault
    verify_url: str
    prepared: PreparedLetter | None = None
    issued: list[ClaimLetter] = field(default_factory=list)

    async def render(self, notice: DecisionNotice) -> None:
        claimant = await self.session.get(Claimant, notice.claimant_id)
        assert claimant is not None
        prepared = self.prepared
        facts = await decision_facts(
            self.session,
            self.vault,
            notice,
            verification_code=prepared.facts.verification_code
            if prepared
            else new_verification_code(),
        )
        letter = await _store(
            self.session,
            self.vault,
            claimant,
            facts,
            ClaimLetter(
                claim_id=notice.claim_id,
                claimant_id=claimant.id,
                version=facts.version,
                kind="decision",
                country=notice.country,
                authority=facts.authority.name,
                issued_at=notice.issued_at,
                verification_code=facts.verification_code,
            ),
            verify_url=self.verify_url,
            pdf=prepared.pdf if prepared and prepared.facts == facts else None,
        )
        self.issued.append(letter)


async def _store(
    session: AsyncSession,
    vault: PersonalDataVault,
    claimant: Claimant,
    facts: LetterFacts | OverpaymentFacts,
    letter: ClaimLetter,
    *,
    verify_url: str,
    pdf: bytes | None = None,
) -> ClaimLetter:
    """Store the PDF of `facts` (rendered now unless given), encrypted with her key, as
    `letter`."""
    if pdf is None:
        pdf = await render_letter(facts, verify_url=verify_url)
    letter.languages = list(facts.languages)
    letter.sha256 = hashlib.sha256(pdf).hexdigest()
    letter.size_bytes = len(pdf)
    letter.content_enc = await vault.encrypt(session, claimant.subject_id, LETTER_FIELD, pdf)
    session.add(letter)
    await session.flush()
    return letter


async def store_overpayment_letter(
    session: AsyncSession,
    vault: PersonalDataVault,
    notice: OverpaymentNotice,
    *,
    claim_version: int,
    verify_url: str,
) -> ClaimLetter | None:
    """Render and store the overpayment letter of `notice`, answering the claim at
    `claim_version`; None when that letter is already stored (a job retried after its commit).
    The caller holds the claim's row lock (the letter takes the claim's next version)."""
    stored = await session.scalar(
        sa.select(ClaimLetter.id).where(
            ClaimLetter.claim_id == notice.claim_id,
            ClaimLetter.kind == notice.kind,
            ClaimLetter.claim_version == claim_version,
        )
    )
    if stored is not None:
        return None
    claimant = await session.get(Claimant, notice.claimant_id)
    assert claimant is not None
    authority = authority_of(notice.country)
    version = await next_version(session, notice.claim_id)
    code = new_verification_code()
    facts = overpayment_facts(
        notice,
        await recipient_of(session, vault, claimant),
        authority,
        version=version,
        verification_code=code,
    )
    return await _store(
        session,
        vault,
        claimant,
        facts,
        ClaimLetter(
            claim_id=notice.claim_id,
            claimant_id=claimant.id,
            version=version,
            kind=notice.kind,
            claim_version=claim_version,
            country=notice.country,
            authority=authority.name,
            issued_at=notice.issued_at,
            verification_code=code,
        ),
        verify_url=verify_url,
    )


async def next_version(session: AsyncSession, claim_id: uuid.UUID) -> int:
    # The claim's row is locked by the issuing step, so two issues cannot pick the same number
    # (and the unique constraint would refuse it if they did).
    last = await session.scalar(
        sa.select(sa.func.max(ClaimLetter.version)).where(ClaimLetter.claim_id == claim_id)
    )
    return (last or 0) + 1


async def letters_of(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[ClaimLetter]:
    rows = await session.scalars(
        sa.select(ClaimLetter).where(ClaimLetter.claim_id == claim_id).order_by(ClaimLetter.version)
    )
    return rows.all()


async def letter_content(
    session: AsyncSession, vault: PersonalDataVault, claim_id: uuid.UUID, version: int
) -> tuple[ClaimLetter, bytes]:
    """The stored letter and its PDF; LetterNotFound when absent, PersonalDataErased once her
    key was destroyed."""
    letter = await session.scalar(
        sa.select(ClaimLetter).where(
            ClaimLetter.claim_id == claim_id, ClaimLetter.version == version
        )
    )
    if letter is None:
        raise LetterNotFound()
    claimant = await session.get(Claimant, letter.claimant_id)
    assert claimant is not None
    pdf = await vault.decrypt(session, claimant.subject_id, LETTER_FIELD, letter.content_enc)
    if pdf is None:
        raise PersonalDataErased()  # her key was destroyed: 410, like her other data
    return letter, pdf


@dataclass(frozen=True, slots=True)
class Verification:
    authority: str
    country: str
    issued_at: datetime
    sha256: str


async def verify(session: AsyncSession, typed_code: str) -> Verification:
    """What a third party may learn from a code: authority, date and the PDF's hash; nothing
    about her or the claim."""
    code = normalise_code(typed_code)
    letter = (
        await session.scalar(sa.select(ClaimLetter).where(ClaimLetter.verification_code == code))
        if code
        else None
    )
    if letter is None:
        raise LetterNotFound()
    return Verification(letter.authority, letter.country, letter.issued_at, letter.sha256)
