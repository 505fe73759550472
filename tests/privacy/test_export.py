"""Access and portability: her adviser downloads everything held about her, and only her, with
the list of who saw her data, which matches the audit trail."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from tests.claims.conftest import SECRET_NAME
from tests.privacy.conftest import PDF, Privacy

OTHER_NAME = "Qwertyuiop Asdfghjkl"
"""Another claimant of the same organisation: nothing of hers may be in the archive."""


def _archive(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


class TestExport:
    async def test_her_archive_holds_her_data_and_no_one_elses(self, privacy: Privacy) -> None:
        claimant = await privacy.claimant_with_files()
        claim, document = await privacy.claim_with_evidence(claimant["id"])
        claim = await privacy.step(claim, "review", "admin-se")
        await privacy.step(
            claim, "information-requests", "admin-se", {"question": "Receipts, please."}, expect=201
        )
        claim = await privacy.get(claim, "adviser-marta")
        questions = (
            await privacy.call(
                "GET", f"/api/v1/claims/{claim['id']}/information-requests", "adviser-marta"
            )
        ).json()["items"]
        claim = await privacy.step(
            claim,
            f"information-requests/{questions[0]['id']}/answer",
            "adviser-marta",
            {"answer": "They are attached."},
        )
        other = await privacy.claimant_with_files(family_name=OTHER_NAME)
        await privacy.claim_with_evidence(other["id"])
        # An administrator reads her file; an auditor breaks the glass with a reason.
        await privacy.call("GET", f"/api/v1/claimants/{claimant['id']}", "admin-se")
        reason = "Quarterly sample check of payments 2026-Q4"
        await privacy.call(
            "GET",
            f"/api/v1/claimants/{claimant['id']}",
            "auditor",
            headers={"X-Break-Glass-Reason": reason},
        )

        response = await privacy.call(
            "GET", f"/api/v1/claimants/{claimant['id']}/export", "adviser-marta"
        )
        assert response.headers["content-type"] == "application/zip"
        assert claimant["reference"] in response.headers["content-disposition"]
        members = _archive(response.content)
        assert {"README.txt", "claimant.json", "access-log.json"} <= set(members)
        assert f"claims/{claim['reference']}.json" in members
        assert len([n for n in members if n.startswith("claims/")]) == 1

        personal = json.loads(members["claimant.json"])["claimant"]["personal"]
        assert personal["family_name"] == SECRET_NAME
        assert personal["address"].startswith("Protected address")
        claim_file = json.loads(members[f"claims/{claim['reference']}.json"])
        assert claim_file["claim"]["id"] == claim["id"]
        assert claim_file["information_requests"][0]["answer"] == "They are attached."
        assert [d["id"] for d in claim_file["documents"]] == [document]
        assert claim_file["documents"][0]["filename"] == f"{SECRET_NAME}.pdf"
        assert members[f"documents/{document}.pdf"] == PDF
        assert len([n for n in members if n.startswith("documents/")]) == 2  # evidence, mandate

        everything = b"\n".join(members.values())
        assert OTHER_NAME.encode() not in everything
        assert other["id"].encode() not in everything
        assert other["reference"].encode() not in everything

        # The access log is the audit trail's lines about her and her claim, reason included.
        log = json.loads(members["access-log.json"])["lines"]
        trail = []
        for subject_type, subject_id in (("claimant", claimant["id"]), ("claim", claim["id"])):
            page = await privacy.call(
                "GET",
                "/api/v1/audit",
                "auditor",
                params={"subject_type": subject_type, "subject_id": subject_id, "limit": 200},
            )
            trail += page.json()["items"]
        # The export's own line is written as it commits, after the archive was made.
        trail = [line for line in trail if line["action"] != "claimant.export"]
        assert sorted(line["seq"] for line in log) == sorted(line["seq"] for line in trail)
        by_seq = {line["seq"]: line for line in trail}
        for line in log:
            assert line["action"] == by_seq[line["seq"]]["action"]
            assert line["who"] == by_seq[line["seq"]]["actor_username"]
            assert line["reason"] == by_seq[line["seq"]]["reason"]
        glass = [line for line in log if line["who"] == "auditor"]
        assert [(g["action"], g["reason"]) for g in glass] == [("claimant.read", reason)]
        assert any(line["who"] == "admin-se" and line["action"] == "claimant.read" for line in log)

        # The export itself is audited, with counts only.
        exports = await privacy.call(
            "GET",
            "/api/v1/audit",
            "auditor",
            params={"action": "claimant.export", "subject_id": claimant["id"]},
        )
        [line] = exports.json()["items"]
        assert line["details"] == {
            "claims": 1,
            "documents": 2,
            "letters": 0,
            "access_lines": len(log),
        }

    async def test_only_her_own_organisations_adviser_downloads_it(self, privacy: Privacy) -> None:
        claim = await privacy.submitted()
        path = f"/api/v1/claimants/{claim['claimant_id']}/export"
        await privacy.call("GET", path, "adviser-pro", expect=404)
        for user in ("admin-se", "auditor", "ministry-se", "superuser"):
            await privacy.call("GET", path, user, expect=403)


class TestLettersInTheArchive:
    async def test_her_decision_letters_are_in_it_as_issued(self, privacy: Privacy) -> None:
        claimant = await privacy.register()
        claim = await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
        claim = await privacy.appealed(claim)
        issued = await privacy.call("GET", f"/api/v1/claims/{claim['id']}/letters/1", "admin-se")
        other = await privacy.register(family_name=OTHER_NAME)
        other_claim = await privacy.step(await privacy.file(other["id"]), "submit", "adviser-marta")
        await privacy.appealed(other_claim)

        response = await privacy.call(
            "GET", f"/api/v1/claimants/{claimant['id']}/export", "adviser-marta"
        )
        members = _archive(response.content)
        name = f"letters/{claim['reference']}-v1.pdf"
        assert [n for n in members if n.startswith("letters/")] == [name]
        assert members[name] == issued.content
        described = json.loads(members[f"claims/{claim['reference']}.json"])["letters"]
        assert [(d["version"], d["file"]) for d in described] == [(1, name)]
        assert described[0]["sha256"] == hashlib.sha256(issued.content).hexdigest()
        assert "letters/" in members["README.txt"].decode()
        assert other["reference"].encode() not in b"\n".join(members.values())

        exports = await privacy.call(
            "GET",
            "/api/v1/audit",
            "auditor",
            params={"action": "claimant.export", "subject_id": claimant["id"]},
        )
        assert exports.json()["items"][0]["details"]["letters"] == 1
