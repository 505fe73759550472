"""Claimants: the women the advisers represent, their personal data sealed with their own key,
and their mandates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import msgspec
from msgspec import UNSET, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.documents import MAX_DOCUMENT_BYTES
from claims.errors import (
    ClaimantNotFound,
    InvalidClaimData,
    NoOrganisation,
    PersonalDataErased,
)
from claims.models import Claimant, Document, new_id
from claims.personal_data import PersonalDataVault
from claims.repository import Role
from claims.schemas import ClaimantCreate, ClaimantUpdate, PersonalData
from claims.services.evidence import store_document
from claims.services.steps import check_version


def _personal_values(personal: PersonalData) -> dict[str, str | None]:
    return {
        "given_names": personal.given_names,
        "family_name": personal.family_name,
        "birth_date": personal.birth_date.isoformat() if personal.birth_date else None,
        "address": personal.address,
        "phone": personal.phone,
        "email": personal.email,
        "bank_account": personal.bank_account,
        "statement": personal.statement,
    }


PERSONAL_FIELDS = tuple(_personal_values(PersonalData(given_names="-", family_name="-")))
"""Vault field names of a claimant's personal data; column `<field>_enc` holds each."""


async def _seal_personal(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, personal: PersonalData
) -> None:
    await _seal_fields(session, vault, claimant, _personal_values(personal))


async def _seal_fields(
    session: AsyncSession,
    vault: PersonalDataVault,
    claimant: Claimant,
    values: dict[str, str | None],
) -> None:
    """Seal each of `values` with her key (None clears the field)."""
    for field, value in values.items():
        sealed = (
            None
            if value is None
            else await vault.encrypt(session, claimant.subject_id, field, value.encode())
        )
        setattr(claimant, f"{field}_enc", sealed)


def _check_personal(personal: PersonalData, now: datetime) -> None:
    if personal.birth_date is not None and personal.birth_date > now.date():
        raise InvalidClaimData("personal.birth_date", "must not be in the future")


async def register_claimant(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    data: ClaimantCreate,
    *,
    now: datetime,
) -> Claimant:
    """A claimant of the adviser's organisation, her personal fields sealed with her own key."""
    if actor.organisation_id is None:
        raise NoOrganisation()
    if data.mandate.signed_on > now.date():
        raise InvalidClaimData("mandate.signed_on", "must not be in the future")
    _check_personal(data.personal, now)
    claimant = Claimant(
        id=new_id(),
        organisation_id=actor.organisation_id,
        subject_id=await vault.new_subject(session),
        preferred_language=data.preferred_language,
        confidential_address=data.confidential_address,
        identification_status=data.identification_status,
        mandate_adviser_id=actor.user_id,
        mandate_date=data.mandate.signed_on,
        mandate_scope=sorted(set(data.mandate.scope)),
        created_by=actor.user_id,
        created_at=now,
        version=1,
    )
    await _seal_personal(session, vault, claimant, data.personal)
    claimant.reference = await repository.next_claimant_reference(session, now)
    session.add(claimant)
    await session.flush()
    return claimant


async def update_claimant(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    data: ClaimantUpdate,
    expected_version: int | None,
    now: datetime,
) -> Claimant:
    """Change what `data` names (a field left out stays as it was); a new version."""
    claimant = await repository.claimant(session, claimant_id, actor, "adviser", lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    if await vault.is_erased(session, claimant.subject_id):
        raise PersonalDataErased()
    check_version(expected_version, claimant.version)
    if not isinstance(data.personal, UnsetType):
        changes = {
            field: value
            for field, value in msgspec.structs.asdict(data.personal).items()
            if value is not UNSET
        }
        birth_date = changes.get("birth_date")
        if isinstance(birth_date, date):
            if birth_date > now.date():
                raise InvalidClaimData("personal.birth_date", "must not be in the future")
            changes["birth_date"] = birth_date.isoformat()
        await _seal_fields(session, vault, claimant, changes)
    if not isinstance(data.preferred_language, UnsetType):
        claimant.preferred_language = data.preferred_language
    if not isinstance(data.identification_status, UnsetType):
        claimant.identification_status = data.identification_status
    if not isinstance(data.confidential_address, UnsetType):
        claimant.confidential_address = data.confidential_address
    claimant.version += 1
    await session.flush()
    return claimant


async def get_claimant(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID, role: Role = "reader"
) -> Claimant:
    claimant = await repository.claimant(session, claimant_id, actor, role)
    if claimant is None:
        raise ClaimantNotFound()
    return claimant


@dataclass(frozen=True, slots=True)
class ClearPersonalData:
    """Her personal fields in clear, for the one response that shows them."""

    values: dict[str, str | None]
    address_withheld: bool


async def open_personal_data(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, actor: Actor
) -> ClearPersonalData | None:
    """Decrypt her fields (None once she is erased). A confidential address is shown only to her
    own organisation: nobody else needs it to decide or to pay."""
    own = actor.is_adviser and claimant.organisation_id == actor.organisation_id
    withhold = claimant.confidential_address and not own
    values: dict[str, str | None] = {}
    for field in PERSONAL_FIELDS:
        sealed: bytes | None = getattr(claimant, f"{field}_enc")
        if sealed is None or (field == "address" and withhold):
            values[field] = None
            continue
        clear = await vault.decrypt(session, claimant.subject_id, field, sealed)
        if clear is None:
            return None
        values[field] = clear.decode()
    return ClearPersonalData(values, address_withheld=withhold and claimant.address_enc is not None)


async def list_claimants(
    session: AsyncSession, actor: Actor, *, reference: str | None, limit: int, offset: int
) -> tuple[Sequence[Claimant], int]:
    return await repository.claimants(
        session, actor, reference=reference, limit=limit, offset=offset
    )


async def upload_mandate(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    filename: str,
    content: bytes,
    expected_version: int | None,
    now: datetime,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Her signed mandate, sealed with her key; the newest one counts."""
    claimant = await repository.claimant(session, claimant_id, actor, "adviser", lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    check_version(expected_version, claimant.version)
    document = await store_document(
        session,
        vault,
        actor,
        claimant,
        claim_id=None,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
        now=now,
    )
    claimant.version += 1
    await session.flush()
    return document


async def mandate_document_id(session: AsyncSession, claimant_id: uuid.UUID) -> uuid.UUID | None:
    document = await repository.latest_mandate(session, claimant_id)
    return document.id if document else None
