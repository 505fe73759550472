"""Erasure on request over HTTP: two people, her key destroyed, 410 everywhere, books intact."""

from __future__ import annotations

import asyncio
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from fundadmin.security.audit import verify_chain
from fundadmin.security.models import AuditEvent
from fundadmin.settings import Settings
from tests.claims.conftest import SECRET_NAME, decision
from tests.privacy.conftest import Privacy

PROBLEM = "application/problem+json"


def _no_personal_value(text: str) -> None:
    for value in (SECRET_NAME, "Ilze", "SE45", "client@example.org", "Protected address"):
        assert value not in text


class TestErasureOnRequest:
    async def test_requested_and_confirmed_it_makes_every_read_of_her_data_410(
        self, privacy: Privacy, session: AsyncSession, settings: Settings
    ) -> None:
        claimant = await privacy.claimant_with_files()
        claim, document = await privacy.claim_with_evidence(claimant["id"])
        claim = await privacy.withdrawn(claim)
        trial_before = await ledger.trial_balance(session, "SE")

        request = await privacy.request_erasure(claimant["id"])
        assert request["status"] == "awaiting_confirmation"
        assert request["countries"] == ["SE"]
        # Nothing happens until a second person, an administrator, confirms.
        read = await privacy.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        assert read.json()["personal"]["family_name"] == SECRET_NAME

        done = await privacy.confirm(request["id"], "admin-se")
        assert done["status"] == "erased"
        assert done["confirmed_by"] != done["requested_by"]

        reads = [
            ("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta"),
            ("GET", f"/api/v1/claimants/{claimant['id']}", "admin-se"),
            ("GET", f"/api/v1/claims/{claim['id']}/documents/{document}", "adviser-marta"),
            ("GET", f"/api/v1/claims/{claim['id']}/documents/{document}", "admin-se"),
            ("GET", f"/api/v1/claimants/{claimant['id']}/export", "adviser-marta"),
        ]
        for method, path, user in reads:
            response = await privacy.call(method, path, user, expect=410)
            assert response.headers["content-type"].startswith(PROBLEM)
            assert response.json()["type"].endswith("/personal-data-erased")
            _no_personal_value(response.text)
        # Writes that would seal new data with her key are refused the same way.
        refused = await privacy.call(
            "PATCH",
            f"/api/v1/claimants/{claimant['id']}",
            "adviser-marta",
            json={"preferred_language": "en"},
            version=claimant["version"] + 1,
            expect=410,
        )
        assert refused.json()["type"].endswith("/personal-data-erased")

        # The claim stays, pseudonymous: amounts and statuses, no case numbers pointing at her.
        kept = await privacy.get(claim, "adviser-marta")
        assert kept["status"] == "withdrawn"
        assert kept["claimed_total"] == claim["claimed_total"]
        assert kept["police_case_reference"] is None
        listed = await privacy.call(
            "GET", "/api/v1/claimants", "adviser-marta", params={"reference": claimant["reference"]}
        )
        assert [c["id"] for c in listed.json()["items"]] == [claimant["id"]]

        # Her key is gone from the database; the ciphertexts stay and mean nothing.
        key = (
            await session.execute(
                sa.text(
                    "SELECT k.wrapped_key, k.erased_at FROM personal_data_key k "
                    "JOIN claimant c ON c.subject_id = k.subject_id WHERE c.id = :id"
                ),
                {"id": claimant["id"]},
            )
        ).one()
        assert key.wrapped_key is None
        assert key.erased_at is not None

        # The books and the audit trail are intact, and the trail says what happened, by whom,
        # without a personal value.
        trial_after = await ledger.trial_balance(session, "SE")
        assert trial_after.totals == trial_before.totals
        assert (await verify_chain(session)).ok
        lines = (
            await session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.subject_id == claimant["id"])
                .order_by(AuditEvent.seq)
            )
        ).all()
        actions = [line.action for line in lines]
        assert "claimant.erasure.request" in actions
        assert actions[-1] == "claimant.erase"
        erase = lines[-1]
        assert erase.actor_username == "admin-se"
        assert erase.details["claims"] == 1
        assert erase.details["documents"] == 2
        for line in lines:
            _no_personal_value(json.dumps(line.details) + (line.reason or ""))

        # The destroyed key's id is written outside the database, so a restore cannot undo it.
        subject = await session.scalar(
            sa.text("SELECT subject_id FROM claimant WHERE id = :id"), {"id": claimant["id"]}
        )
        assert str(subject) in settings.erasure_log_path.read_text().split()

    async def test_one_person_alone_cannot_erase(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        claim = await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        request = await privacy.request_erasure(claimant["id"], "admin-se")
        refused = await privacy.confirm(request["id"], "admin-se", expect=403)
        assert refused["type"].endswith("/four-eyes")
        # An adviser's role does not reach the confirmation at all.
        await privacy.confirm(request["id"], "adviser-marta", expect=403)
        read = await privacy.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        assert read.json()["personal"]["family_name"] == SECRET_NAME
        assert claim["status"] == "withdrawn"

    async def test_another_organisation_or_country_cannot_reach_her(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        # An adviser of another organisation and an administrator of another country: 404.
        for user in ("adviser-pro", "admin-lv"):
            await privacy.request_erasure(claimant["id"], user, expect=404)
        request = await privacy.request_erasure(claimant["id"])
        await privacy.confirm(request["id"], "admin-lv", expect=404)
        for user in ("adviser-pro", "admin-lv"):
            await privacy.call("GET", f"/api/v1/erasure-requests/{request['id']}", user, expect=404)
            await privacy.call(
                "POST",
                f"/api/v1/erasure-requests/{request['id']}/cancellation",
                user,
                version=1,
                expect=404,
            )
        await privacy.call(
            "GET", f"/api/v1/claimants/{claimant['id']}/export", "adviser-pro", expect=404
        )
        # Ministries, auditors and superusers do not reach erasure at all.
        for user in ("ministry-se", "auditor", "superuser"):
            await privacy.request_erasure(claimant["id"], user, expect=403)
        queue = await privacy.call("GET", "/api/v1/erasure-requests", "admin-lv")
        assert request["id"] not in {r["id"] for r in queue.json()["items"]}
        queue = await privacy.call("GET", "/api/v1/erasure-requests", "admin2-se")
        assert request["id"] in {r["id"] for r in queue.json()["items"]}

    async def test_the_same_person_twice_and_a_retry(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        # Two requests at once: one is recorded, the other is told so.
        headers = await privacy.auth("adviser-marta")
        answers = await asyncio.gather(
            *(
                privacy.client.post(
                    f"/api/v1/claimants/{claimant['id']}/erasure-requests",
                    json={"received_on": "2026-11-20"},
                    headers=headers,
                )
                for _ in range(2)
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409]
        conflict = next(a for a in answers if a.status_code == 409).json()
        assert conflict["type"].endswith("/erasure-already-requested")
        request = next(a for a in answers if a.status_code == 201).json()

        first = await privacy.confirm(request["id"], "admin-se")
        # The same administrator's retry answers what was done; nobody else can redo it.
        again = await privacy.confirm(request["id"], "admin-se")
        assert again == first
        other = await privacy.confirm(
            request["id"], "admin2-se", version=first["version"], expect=409
        )
        assert other["type"].endswith("/erasure-not-open")
        # She is already erased: a new request is 410.
        gone = await privacy.request_erasure(claimant["id"], expect=410)
        assert gone["type"].endswith("/personal-data-erased")

    async def test_a_request_from_the_future_or_1900_is_refused(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        for day in ("2099-01-01", "1900-01-01"):
            refused = await privacy.request_erasure(claimant["id"], expect=422, received_on=day)
            assert refused["type"].endswith("/validation-error")

    async def test_she_may_change_her_mind(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        request = await privacy.request_erasure(claimant["id"])
        cancelled = await privacy.call(
            "POST",
            f"/api/v1/erasure-requests/{request['id']}/cancellation",
            "adviser-marta",
            version=request["version"],
        )
        assert cancelled.json()["status"] == "cancelled"
        # Without a claim, the administrators of her adviser's countries see it: nothing to do.
        closed = await privacy.confirm(
            request["id"], "admin-se", version=cancelled.json()["version"], expect=409
        )
        assert closed["erasure_status"] == "cancelled"
        again = await privacy.request_erasure(claimant["id"])
        assert again["id"] != request["id"]


class TestWhereTheLawRequiresKeeping:
    async def test_a_request_during_an_open_appeal_is_refused_with_the_reason(
        self, privacy: Privacy, session: AsyncSession
    ) -> None:
        claimant = await privacy.register()
        claim = await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        claim = await privacy.appealed(claim)
        assert claim["status"] == "appealed"
        count = await session.scalar(sa.text("SELECT count(*) FROM erasure_request"))

        refused = await privacy.request_erasure(claimant["id"], expect=409)
        assert refused["type"].endswith("/erasure-refused")
        assert refused["grounds"] == [
            {
                "ground": "open_appeal",
                "claim": claim["reference"],
                "application": None,
                "hold": None,
                "hold_kind": None,
                "explanation": "an appeal of the decision is open (GDPR Art. 17(3)(e))",
            }
        ]
        _no_personal_value(json.dumps(refused))
        assert await session.scalar(sa.text("SELECT count(*) FROM erasure_request")) == count

        # Asked to erase when it ends, it is recorded, confirmed and scheduled.
        scheduled = await privacy.request_erasure(claimant["id"], when_free=True)
        assert scheduled["kept_for"] == ["open_appeal"]
        confirmed = await privacy.confirm(scheduled["id"], "admin2-se")
        assert confirmed["status"] == "scheduled"
        read = await privacy.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        assert read.json()["personal"]["family_name"] == SECRET_NAME

    async def test_a_legal_hold_refuses_erasure_until_lifted(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        hold = (
            await privacy.call(
                "POST",
                f"/api/v1/claimants/{claimant['id']}/legal-holds",
                "admin-se",
                json={"kind": "court_case", "reason": "Uppsala tingsrätt B 1234-26"},
                expect=201,
            )
        ).json()
        # An administrator of another country cannot place or lift one; an adviser cannot either.
        await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds/{hold['id']}/lift",
            "admin-lv",
            json={"reason": "Not mine to lift at all."},
            version=hold["version"],
            expect=404,
        )
        await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds",
            "adviser-marta",
            json={"kind": "other", "reason": "Advisers cannot hold."},
            expect=403,
        )
        refused = await privacy.request_erasure(claimant["id"], expect=409)
        assert [g["ground"] for g in refused["grounds"]] == ["legal_hold"]
        assert refused["grounds"][0]["hold"] == hold["id"]

        lifted = await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds/{hold['id']}/lift",
            "admin2-se",
            json={"reason": "Judgment final on 2026-11-01."},
            version=hold["version"],
        )
        assert lifted.json()["lifted_by"] is not None
        await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds/{hold['id']}/lift",
            "admin2-se",
            json={"reason": "Judgment final on 2026-11-01."},
            version=lifted.json()["version"],
            expect=409,
        )
        holds = await privacy.call(
            "GET", f"/api/v1/claimants/{claimant['id']}/legal-holds", "adviser-marta"
        )
        assert [h["id"] for h in holds.json()["items"]] == [hold["id"]]
        request = await privacy.request_erasure(claimant["id"])
        assert (await privacy.confirm(request["id"], "admin-se"))["status"] == "erased"

    async def test_an_award_still_owed_is_kept(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        claim = await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        claim = await privacy.step(claim, "review", "admin-se")
        claim = await privacy.step(claim, "assessment", "admin-se", {})
        claim = await privacy.step(
            claim,
            "decision",
            "admin-se",
            {
                "heads": [
                    {"position": i, "awarded": a, "reason": "Set on the evidence."}
                    for i, a in enumerate(("10000", "0", "0"))
                ],
                "reason": "Decided.",
            },
            money=True,
        )
        refused = await privacy.request_erasure(claimant["id"], "admin-se", expect=409)
        assert [g["ground"] for g in refused["grounds"]] == ["pending_payment"]


class TestUnknownIds:
    async def test_unknown_claimant_and_request_are_404(self, privacy: Privacy) -> None:
        await privacy.request_erasure(str(uuid.uuid4()), expect=404)
        await privacy.confirm(str(uuid.uuid4()), "admin-se", expect=404)


class TestLetters:
    async def test_her_letters_are_counted_and_become_unreadable(
        self, privacy: Privacy, session: AsyncSession
    ) -> None:
        claimant = await privacy.register()
        claim = await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        claim = await privacy.step(claim, "review", "admin-se")
        claim = await privacy.step(claim, "assessment", "admin-se", {})
        claim = await privacy.step(
            claim, "decision", "admin-se", decision("0", "0", "0"), money=True
        )
        claim = await privacy.issue_letter(claim)
        await privacy.step(claim, "close", "admin-se")
        letter = f"/api/v1/claims/{claim['id']}/letters/1"
        before = await privacy.call("GET", letter, "adviser-marta")
        assert before.content.startswith(b"%PDF")

        request = await privacy.request_erasure(claimant["id"])
        assert (await privacy.confirm(request["id"], "admin-se"))["status"] == "erased"

        for user in ("adviser-marta", "admin-se"):
            gone = await privacy.call("GET", letter, user, expect=410)
            assert gone.json()["type"].endswith("/personal-data-erased")
        details = await session.scalar(
            sa.select(AuditEvent.details).where(
                AuditEvent.action == "claimant.erase", AuditEvent.subject_id == claimant["id"]
            )
        )
        assert details is not None
        assert (details["claims"], details["letters"]) == (1, 1)
        # What verification tells a third party stays: the letter was issued, by whom, when.
        listed = await privacy.call("GET", f"/api/v1/claims/{claim['id']}/letters", "admin-se")
        assert len(listed.json()["items"]) == 1


class TestPreconditions:
    """Confirming, cancelling and lifting are changes: If-Match, like every claim step."""

    async def test_erasure_steps_need_the_version_read(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        request = await privacy.request_erasure(claimant["id"])
        path = f"/api/v1/erasure-requests/{request['id']}"
        read = await privacy.call("GET", path, "admin-se")
        assert read.headers["ETag"] == f'"{request["version"]}"'
        await privacy.call(
            "GET", path, "admin-se", headers={"If-None-Match": read.headers["ETag"]}, expect=304
        )
        for action, user in (("confirmation", "admin-se"), ("cancellation", "adviser-marta")):
            missing = await privacy.call("POST", f"{path}/{action}", user, expect=428)
            assert missing.headers["content-type"].startswith(PROBLEM)
            stale = await privacy.call("POST", f"{path}/{action}", user, version=7, expect=412)
            assert stale.headers["content-type"].startswith(PROBLEM)
            weak = await privacy.call(
                "POST", f"{path}/{action}", user, headers={"If-Match": 'W/"1"'}, expect=412
            )
            assert weak.json()["type"].endswith("/stale-version")
        # Nothing changed: still waiting, and her data still readable.
        unchanged = (await privacy.call("GET", path, "admin-se")).json()
        assert (unchanged["status"], unchanged["version"]) == ("awaiting_confirmation", 1)
        read = await privacy.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        assert read.json()["personal"]["family_name"] == SECRET_NAME

        done = await privacy.call("POST", f"{path}/confirmation", "admin-se", version=1, expect=200)
        assert done.headers["ETag"] == f'"{done.json()["version"]}"' == '"2"'

    async def test_a_hold_is_located_and_lifted_with_its_version(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        await privacy.withdrawn(
            await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        )
        created = await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds",
            "admin-se",
            json={"kind": "investigation", "reason": "Polisen 5000-K999-26, ongoing inquiry"},
            expect=201,
        )
        hold = created.json()
        location = created.headers["Location"]
        assert location == f"/api/v1/claimants/{claimant['id']}/legal-holds/{hold['id']}"
        assert created.headers["ETag"] == '"1"'
        for user in ("admin-se", "adviser-marta"):
            read = await privacy.call("GET", location, user)
            assert read.json() == hold
            assert read.headers["ETag"] == '"1"'
        await privacy.call("GET", location, "adviser-pro", expect=404)
        await privacy.call("GET", location, "admin-lv", expect=404)
        await privacy.call(
            "GET",
            f"/api/v1/claimants/{claimant['id']}/legal-holds/{uuid.uuid4()}",
            "admin-se",
            expect=404,
        )

        body = {"reason": "The inquiry was closed."}
        await privacy.call("POST", f"{location}/lift", "admin-se", json=body, expect=428)
        await privacy.call("POST", f"{location}/lift", "admin-se", json=body, version=2, expect=412)
        assert (await privacy.call("GET", location, "admin-se")).json()["lifted_at"] is None
        lifted = await privacy.call("POST", f"{location}/lift", "admin-se", json=body, version=1)
        assert lifted.headers["ETag"] == '"2"'
        assert lifted.json()["lift_reason"] == body["reason"]
