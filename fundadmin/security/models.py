"""Users, their organisations and their role grants."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
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
