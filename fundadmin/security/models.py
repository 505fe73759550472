"""Users, their organisations and their role grants."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundadmin.ids import new_id


class Organisation(DefaultBase):
    """An NGO or law firm whose legal advisers represent claimants."""

    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    """Public name of the organisation (not personal data)."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class UserAccount(DefaultBase):
    """A person or a ministry's system that signs in."""

    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    """Sign-in name (or client id of a service account); a work handle, not a legal name."""
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    """argon2id hash of the password or client secret."""
    is_service: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """True for a ministry system's client credentials rather than a person."""
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    """A disabled user cannot sign in, and her unexpired tokens stop working."""
    tokens_valid_after: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """Tokens issued before this instant no longer count: set by a password reset, a disable
    and a role change, so each ends every token issued before it (even after re-enabling)."""
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    """A legal adviser's organisation."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    organisation: Mapped[Organisation | None] = relationship(lazy="selectin")


class RoleGrant(DefaultBase):
    """One role held by a user, in one country (or `*` for all)."""

    __tablename__ = "role_grant"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('legal_adviser', 'administrator', 'ministry', 'auditor', 'superuser')",
            name="role_known",
        ),
        sa.CheckConstraint("country = '*' OR country ~ '^[A-Z]{2}$'", name="country_code"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    """ISO 3166 alpha-2 code, or `*` for every country."""

    user: Mapped[UserAccount] = relationship(back_populates="grants")


class UserChange(DefaultBase):
    """One change to a user account, kept for her and for the auditors: applied at once, or,
    for a grant that reaches personal data or money and for a new password of an account holding
    one, waiting until a second superuser confirms it."""

    __tablename__ = "user_account_change"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('create', 'grants', 'secret', 'disable', 'enable')", name="kind_known"
        ),
        sa.CheckConstraint("status IN ('pending', 'applied', 'rejected')", name="status_known"),
        sa.CheckConstraint(
            "decided_by IS NULL OR requested_by IS NULL OR decided_by <> requested_by",
            name="four_eyes",
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        sa.CheckConstraint(
            "password_hash IS NULL OR status = 'pending'", name="secret_kept_only_while_pending"
        ),
        sa.Index(
            "uq_user_account_change_one_pending",
            "user_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    """The account changed."""
    kind: Mapped[str] = mapped_column(sa.String(10))
    """create, grants, secret, disable or enable."""
    status: Mapped[str] = mapped_column(sa.String(10))
    """pending (waits for a second superuser), applied, or rejected."""
    scopes: Mapped[str | None] = mapped_column(sa.String(1000))
    """For create and grants: the roles after the change, as `role:country` strings."""
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    """For grants: the organisation the change sets, if any."""
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    """For a pending new password: its argon2id hash, until confirmed or rejected."""
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The superuser who asked for it; NULL for the host operator's command line."""
    requested_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The second superuser who confirmed or rejected it."""
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class PersonalDataKey(DefaultBase):
    """One person's data key, wrapped by a master key: the only way to read her personal fields."""

    __tablename__ = "personal_data_key"
    __table_args__ = (
        sa.CheckConstraint(
            "(wrapped_key IS NULL) = (erased_at IS NOT NULL)", name="erased_means_no_key"
        ),
    )

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    """The data subject (a person) her records refer to; carries no personal data itself."""
    master_kid: Mapped[str | None] = mapped_column(sa.String(64))
    """Id of the master key that wrapped `wrapped_key`; NULL once erased."""
    wrapped_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """AES-GCM nonce (12 bytes) + the 32-byte AES-256 data key encrypted by the master key +
    tag (16 bytes); NULL once the subject is erased."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    """When the subject's key was made (UTC)."""
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """When the key was destroyed (UTC); her fields read as erased from then on."""


class AuditEvent(DefaultBase):
    """One line of the audit trail: append-only (a trigger refuses changes) and hash-chained."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_subject", "subject_type", "subject_id"),
        sa.Index("ix_audit_event_chain_seq", "chain", "seq"),
        sa.UniqueConstraint("chain", "prev_hash", name="uq_audit_event_chain_prev_hash"),
        sa.CheckConstraint("chain = 'global' OR chain ~ '^[A-Z]{2}$'", name="chain_known"),
    )

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    """Position in the trail (gaps are normal: a rolled-back request keeps its number); within
    one chain, the order its lines were linked in."""
    chain: Mapped[str] = mapped_column(sa.String(10))
    """The chain the line is linked into: the country it concerns, or `global`."""
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When it happened (UTC, microseconds), as hashed."""
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    """The user who acted; NULL for an anonymous caller (a failed sign-in)."""
    actor_username: Mapped[str | None] = mapped_column(sa.String(100))
    """Her username at the time (a work handle, not a legal name)."""
    actor_scopes: Mapped[str] = mapped_column(sa.String(1000))
    """Her grants at the time, as space-separated `role:country` strings."""
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    """What was done, as `area.verb` (`auth.sign_in`, `user.disable`, `claimant.read`)."""
    subject_type: Mapped[str] = mapped_column(sa.String(50))
    """Kind of record acted on (`user`, `claim`, `claimant`)."""
    subject_id: Mapped[str | None] = mapped_column(sa.String(100))
    """Id of the record acted on."""
    reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why, where a reason is required (break-glass reads, departures from policy)."""
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    """The caller's network address as seen by the service."""
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    """The request id, to join with the service's log lines."""
    details: Mapped[dict[str, str | int | bool | None]] = mapped_column(JSONB)
    """Further facts (ids, states, counts), never a personal value."""
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    """`hash` of the chain's line before (64 zeros for its first): unique per chain, so a chain
    cannot fork."""
    hash: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 (hex) of `prev_hash` and this line's canonical serialisation."""


class AuditPending(DefaultBase):
    """An audit line a transaction wrote, waiting for that transaction's COMMIT to link it.

    The request inserts its lines here without any lock; a deferred constraint trigger links
    them into their chains (`audit_append`) while PostgreSQL commits, so a chain's lock is held
    for the link and the commit's WAL flush only, never across a round trip to the service
    (migration 0029). Rows never outlive their transaction, so the table is UNLOGGED."""

    __tablename__ = "audit_pending"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    """Order of writing within the transaction."""
    chain: Mapped[str] = mapped_column(sa.Text)
    """The chain the line joins (`AuditEvent.chain`)."""
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_username: Mapped[str | None] = mapped_column(sa.Text)
    actor_scopes: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    subject_type: Mapped[str] = mapped_column(sa.Text)
    subject_id: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, str | int | bool | None]] = mapped_column(JSONB)
    """As `AuditEvent`'s columns of the same names."""
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The line's canonical serialisation, which its hash covers (`line_body`)."""


class SignInFailures(DefaultBase):
    """Recent failed sign-ins for one username or one client address, shared by every instance."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.CheckConstraint("kind IN ('user', 'address')", name="kind_known"),)

    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    """`user` (counted per attempted username) or `address` (per client address)."""
    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    """SHA-256 (hex) of the username or address: an attempted username may be a mistyped
    password, so it is never stored in clear."""
    failures: Mapped[int] = mapped_column(sa.Integer)
    """Failed attempts since `window_started_at`."""
    window_started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """First failure of the current window (UTC); the count starts again after the window."""
    last_failure_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """Latest failure (UTC): the next attempt waits a delay counted from here."""


class WebSession(DefaultBase):
    """A signed-in browser: the web pages' session, kept on the server so that signing out,
    a password reset, a disable or a role change ends it for whoever holds the cookie.

    The cookie carries a random secret; only its SHA-256 is stored, so a copy of this table
    signs no one in. Times are the service's clock (fundadmin.clock)."""

    __tablename__ = "web_session"
    __table_args__ = (
        sa.CheckConstraint("octet_length(secret_hash) = 32", name="secret_hash_is_sha256"),
        sa.CheckConstraint("idle_until <= ends_at", name="idle_within_lifetime"),
    )

    secret_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), primary_key=True)
    """SHA-256 of the cookie's secret."""
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    """Who signed in."""
    signed_in_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When she signed in."""
    seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """Her last page that renewed the session."""
    idle_until: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    """The session ends at this instant unless a page renews it first (inactivity)."""
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """The session ends at this instant however active she is (its longest life)."""
