"""A token's roles count only as far as the user still holds them."""

from __future__ import annotations

import uuid

from fundadmin.security.principal import Principal, Role

USER = uuid.uuid4()
ORG = uuid.uuid4()


def _principal(grants: dict[Role, set[str]], org: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=USER,
        username="adviser",
        grants={role: frozenset(cs) for role, cs in grants.items()},
        organisation_id=org,
        token_id="t-1",
    )


class TestWithin:
    def test_unchanged_grants_stay(self) -> None:
        token = _principal({Role.LEGAL_ADVISER: {"LV", "SE"}}, ORG)
        assert token.within(token) == token

    def test_a_country_taken_away_is_dropped(self) -> None:
        token = _principal({Role.LEGAL_ADVISER: {"LV", "SE"}}, ORG)
        now = _principal({Role.LEGAL_ADVISER: {"LV"}}, ORG)
        assert token.within(now).countries(Role.LEGAL_ADVISER) == {"LV"}

    def test_a_role_taken_away_is_dropped(self) -> None:
        token = _principal({Role.ADMINISTRATOR: {"SE"}, Role.AUDITOR: {"*"}})
        now = _principal({Role.ADMINISTRATOR: {"SE"}})
        assert token.within(now).roles == {Role.ADMINISTRATOR}

    def test_a_role_given_since_is_not_gained(self) -> None:
        token = _principal({Role.ADMINISTRATOR: {"SE"}})
        now = _principal({Role.ADMINISTRATOR: {"SE"}, Role.SUPERUSER: {"*"}})
        assert token.within(now).roles == {Role.ADMINISTRATOR}

    def test_the_organisation_is_the_current_one(self) -> None:
        moved = uuid.uuid4()
        token = _principal({Role.LEGAL_ADVISER: {"LV"}}, ORG)
        now = _principal({Role.LEGAL_ADVISER: {"LV"}}, moved)
        assert token.within(now).organisation_id == moved
        assert token.within(now).token_id == "t-1"
