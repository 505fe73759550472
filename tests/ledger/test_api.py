"""The ledger over HTTP, through the real app: who may read and write, and what bad input gets."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from fundadmin.clock import FixedClock
from tests.clock import NOW, TODAY
from tests.ledger.conftest import NewFund, unique

BASE = "/api/v1/ledger"


def body(fund: str, payable: str, amount: Any = "100.00", **extra: Any) -> dict[str, Any]:
    return {
        "country": "SE",
        "kind": "payment",
        "effective_date": TODAY.isoformat(),
        "postings": [
            {"account": fund, "side": "debit", "amount": amount, "currency": "SEK"},
            {"account": payable, "side": "credit", "amount": amount, "currency": "SEK"},
        ],
        **extra,
    }


def keyed(headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key or unique("key")}


async def balance(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> dict[str, str]:
    response = await client.get(f"{BASE}/accounts/{code}/balance", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


class TestRecord:
    async def test_an_administrator_records_a_payment(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=keyed(admin)
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert response.headers["location"] == f"{BASE}/transactions/{created['id']}"
        assert created["status"] == "posted"
        assert created["created_by"] == "admin-se"
        assert created["postings"][0] == {
            "account": fund,
            "side": "debit",
            "amount": "100.00",
            "currency": "SEK",
        }
        assert (await balance(client, admin, fund))["available"] == "900.00"
        fetched = await client.get(f"{BASE}/transactions/{created['id']}", headers=admin)
        assert fetched.json() == created

    async def test_a_retry_gets_the_first_answer_and_moves_money_once(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin, "retry-1")
        first = await client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
        second = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=headers
        )
        assert (second.status_code, second.content) == (first.status_code, first.content)
        assert second.headers["Idempotent-Replayed"] == "true"
        assert (await balance(client, admin, fund))["posted"] == "900.00"

    async def test_the_same_key_with_a_different_body_is_409(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin, "retry-2")
        await client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
        response = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, "200.00"), headers=headers
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/idempotency-key-reused")
        assert (await balance(client, admin, fund))["posted"] == "900.00"

    async def test_keys_are_scoped_per_caller(self, client, auth, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        for user in ("admin-se", "admin2-se"):
            headers = keyed(await auth(user), "shared-key")
            response = await client.post(
                f"{BASE}/transactions", json=body(fund, payable), headers=headers
            )
            assert response.status_code == 201
        assert (await balance(client, await auth("auditor"), fund))["posted"] == "800.00"

    async def test_a_missing_idempotency_key_is_422(self, client, auth, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=await auth("admin-se")
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("/idempotency-key-missing")


def _postings(fund: str, payable: str, **changes: Any) -> dict[str, Any]:
    data = body(fund, payable)
    data["postings"][1].update(changes)
    return data


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ({"amount": "99.99"}, "unbalanced-transaction"),
            ({"account": "SE/payable/test/nobody"}, "unknown-account"),
            ({"currency": "EUR"}, "unbalanced-transaction"),
            ({"amount": "100.1"}, "unbalanced-transaction"),
            ({"account": "LV/bank"}, "foreign-account"),
        ],
    )
    async def test_bad_input_is_a_422_naming_the_posting_and_writes_nothing(
        self, client, auth, new_fund: NewFund, change: dict[str, str], problem: str
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions", json=_postings(fund, payable, **change), headers=keyed(admin)
        )
        assert response.status_code == 422, response.text
        document = response.json()
        assert document["type"].endswith("/" + problem)
        if problem != "unbalanced-transaction":
            assert document["posting_index"] == 1
        assert (await balance(client, admin, fund))["posted"] == "1000.00"

    @pytest.mark.parametrize(
        "amount", ["-100.00", "100.001", "1e2", " 100", "1_000", "0", "0.00", "0.0", "00.10"]
    )
    async def test_money_outside_the_one_money_pattern_is_422_naming_the_field(
        self, client, auth, new_fund: NewFund, amount: str
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions",
            json=_postings(fund, payable, amount=amount),
            headers=keyed(admin),
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "postings[1].amount"
        assert (await balance(client, admin, fund))["posted"] == "1000.00"

    async def test_a_posting_in_another_currency_than_its_account_is_named(
        self, client, auth, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        data = body(fund, payable)
        for posting in data["postings"]:
            posting["currency"] = "EUR"
        response = await client.post(
            f"{BASE}/transactions", json=data, headers=keyed(await auth("admin-se"))
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("/currency-mismatch")
        assert response.json()["posting_index"] == 0

    async def test_a_json_number_is_refused_for_money(
        self, client, auth, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, 100.0),
            headers=keyed(await auth("admin-se")),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("postings[0].amount")

    async def test_an_overdraft_is_a_409_naming_the_account(
        self, client, auth, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        response = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, "100.01"),
            headers=keyed(await auth("admin-se")),
        )
        assert response.status_code == 409
        assert response.json()["account"] == fund


class TestScope:
    async def test_another_countrys_transaction_is_404(
        self, client, auth, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        created = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=keyed(await auth("admin-se"))
        )
        latvian = await auth("admin-lv")
        tx = created.json()["id"]
        assert (await client.get(f"{BASE}/transactions/{tx}", headers=latvian)).status_code == 404
        assert (
            await client.get(f"{BASE}/accounts/{fund}/balance", headers=latvian)
        ).status_code == 404
        assert (
            await client.get(f"{BASE}/trial-balance?country=SE", headers=latvian)
        ).status_code == 404
        reverse = await client.post(
            f"{BASE}/transactions/{tx}/reverse", json={}, headers=keyed(latvian)
        )
        assert reverse.status_code == 404
        listed = await client.get(f"{BASE}/accounts?country=SE", headers=latvian)
        assert listed.json() == {"items": [], "next": None}

    async def test_writing_another_countrys_books_is_refused(self, client, auth) -> None:
        data = body("LV/fund/victims", "LV/bank", country="LV")
        for posting in data["postings"]:
            posting["currency"] = "EUR"
        response = await client.post(
            f"{BASE}/transactions", json=data, headers=keyed(await auth("admin-se"))
        )
        assert response.status_code == 403

    async def test_the_auditor_reads_every_country_and_writes_none(
        self, client, auth, new_fund: NewFund
    ) -> None:
        auditor = await auth("auditor")
        fund, payable = await new_fund("1000")
        for country in ("SE", "LV", "IS"):
            trial = await client.get(f"{BASE}/trial-balance?country={country}", headers=auditor)
            assert trial.status_code == 200
            assert all(total["balanced"] for total in trial.json()["totals"])
        response = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=keyed(auditor)
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("user", ["ministry-se", "adviser-marta"])
    async def test_other_roles_cannot_read_the_ledger(self, client, auth, user: str) -> None:
        response = await client.get(f"{BASE}/accounts/SE/bank/balance", headers=await auth(user))
        assert response.status_code == 403

    async def test_an_anonymous_caller_is_401(self, client) -> None:
        assert (await client.get(f"{BASE}/accounts")).status_code == 401


class TestTwoPhaseOverHttp:
    async def test_reserve_then_post_then_reverse(self, client, auth, new_fund: NewFund) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        reserved = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, "400.00", pending=True),
            headers=keyed(admin),
        )
        tx = reserved.json()["id"]
        assert (await balance(client, admin, fund))["available"] == "600.00"
        posted = await client.post(f"{BASE}/transactions/{tx}/post", headers=keyed(admin))
        assert posted.status_code == 200
        assert posted.json()["status"] == "posted"
        voided = await client.post(f"{BASE}/transactions/{tx}/void", headers=keyed(admin))
        assert voided.status_code == 409
        reversed_ = await client.post(
            f"{BASE}/transactions/{tx}/reverse", json={"memo": "wrong claim"}, headers=keyed(admin)
        )
        assert reversed_.status_code == 201
        assert reversed_.json()["reversal_of"] == tx
        again = await client.post(
            f"{BASE}/transactions/{tx}/reverse", json={}, headers=keyed(admin)
        )
        assert again.status_code == 409
        assert (await balance(client, admin, fund))["available"] == "1000.00"

    async def test_an_unknown_transaction_is_404(self, client, auth) -> None:
        response = await client.post(
            f"{BASE}/transactions/{uuid.uuid4()}/post", headers=keyed(await auth("admin-se"))
        )
        assert response.status_code == 404


class TestBatch:
    async def test_a_failed_batch_names_transaction_and_posting_and_writes_nothing(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        transactions = [{**body(fund, payable), "idempotency_key": f"t{n}"} for n in range(3)]
        transactions[2]["postings"][1]["account"] = "SE/expense/nobody"
        response = await client.post(
            f"{BASE}/transactions/batch", json={"transactions": transactions}, headers=keyed(admin)
        )
        assert response.status_code == 422
        assert (response.json()["transaction_index"], response.json()["posting_index"]) == (2, 1)
        assert (await balance(client, admin, fund))["posted"] == "1000.00"

    async def test_a_batch_is_recorded_at_once(self, client, auth, new_fund: NewFund) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        transactions = [{**body(fund, payable), "idempotency_key": f"t{n}"} for n in range(10)]
        response = await client.post(
            f"{BASE}/transactions/batch", json={"transactions": transactions}, headers=keyed(admin)
        )
        assert response.status_code == 201
        assert len(response.json()["transactions"]) == 10
        assert (await balance(client, admin, fund))["posted"] == "0.00"

    async def test_a_batch_holds_at_most_1000(self, client, auth) -> None:
        item = {**body("SE/bank", "SE/income/recovery"), "idempotency_key": "k"}
        response = await client.post(
            f"{BASE}/transactions/batch",
            json={"transactions": [item] * 1001},
            headers=keyed(await auth("admin-se")),
        )
        assert response.status_code == 422


class TestQueries:
    async def test_statement_pages_and_reference_search(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        case = unique("case")
        for _ in range(3):
            await client.post(
                f"{BASE}/transactions",
                json=body(
                    fund, payable, references={"case": case}, effective_date=TODAY.isoformat()
                ),
                headers=keyed(admin),
            )
        page = await client.get(f"{BASE}/accounts/{fund}/statement?limit=2", headers=admin)
        assert [line["running_balance"] for line in page.json()["items"]] == ["1000.00", "900.00"]
        rest = await client.get(
            f"{BASE}/accounts/{fund}/statement",
            params={"after": page.json()["next"]},
            headers=admin,
        )
        assert [line["running_balance"] for line in rest.json()["items"]] == ["800.00", "700.00"]
        found = await client.get(
            f"{BASE}/transactions", params={"reference": f"case:{case}"}, headers=admin
        )
        assert len(found.json()["items"]) == 3
        hidden = await client.get(
            f"{BASE}/transactions",
            params={"reference": f"case:{case}"},
            headers=await auth("admin-lv"),
        )
        assert hidden.json() == {"items": [], "next": None}

    async def test_balance_as_of_a_date(self, client, auth, new_fund: NewFund) -> None:
        admin = await auth("admin-se")
        fund, _ = await new_fund("1000")
        response = await client.get(
            f"{BASE}/accounts/{fund}/balance?as_of=2000-01-01", headers=admin
        )
        assert response.json()["posted"] == "0.00"

    async def test_an_administrator_opens_an_account(self, client, auth) -> None:
        admin = await auth("admin-se")
        code = f"SE/assets/deposit-{unique('deposit')}"
        account = {
            "code": code,
            "name": "Court deposit",
            "type": "asset",
            "currency": "SEK",
            "country": "SE",
            "must_not_go_negative": True,
        }
        created = await client.post(f"{BASE}/accounts", json=account, headers=admin)
        assert created.status_code == 201
        assert created.headers["location"] == f"{BASE}/accounts/{code}"
        # A case's earmark belongs to the case: the confiscation routes open it, not this one.
        earmark = {**account, "code": f"SE/earmarked/{unique('case')}", "type": "fund_equity"}
        refused = await client.post(f"{BASE}/accounts", json=earmark, headers=admin)
        assert refused.status_code == 409
        assert (
            await client.post(f"{BASE}/accounts", json=account, headers=admin)
        ).status_code == 409
        fetched = await client.get(f"{BASE}/accounts/{code}", headers=admin)
        assert fetched.json() == created.json()


class TestExchangeOverHttp:
    async def test_a_payment_in_euro_from_the_swedish_fund_records_the_rate(
        self, client, auth
    ) -> None:
        admin = await auth("admin-se")
        code = f"SE/payable/assistance/{unique('app')}"
        account = {
            "code": code,
            "name": "Return assistance payable",
            "type": "liability",
            "currency": "EUR",
            "country": "SE",
        }
        assert (
            await client.post(f"{BASE}/accounts", json=account, headers=admin)
        ).status_code == 201
        data = {
            "country": "SE",
            "kind": "return_assistance",
            "effective_date": TODAY.isoformat(),
            "postings": [
                {"account": code, "side": "debit", "amount": "250.00", "currency": "EUR"},
                {
                    "account": "SE/exchange/EUR",
                    "side": "credit",
                    "amount": "250.00",
                    "currency": "EUR",
                },
                {
                    "account": "SE/exchange/SEK",
                    "side": "debit",
                    "amount": "2867.50",
                    "currency": "SEK",
                },
                {"account": "SE/bank", "side": "credit", "amount": "2867.50", "currency": "SEK"},
            ],
            "exchange_rates": {"EUR": "11.47"},
        }
        response = await client.post(f"{BASE}/transactions", json=data, headers=keyed(admin))
        assert response.status_code == 201, response.text
        assert response.json()["exchange_rates"] == {"EUR": "11.47"}
        data["exchange_rates"] = {"EUR": "12.00"}
        refused = await client.post(f"{BASE}/transactions", json=data, headers=keyed(admin))
        assert refused.status_code == 422
        assert refused.json()["type"].endswith("/invalid-transaction")


class TestExpiry:
    async def test_a_reservation_whose_expiry_has_passed_is_refused(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        late = body(fund, payable, "300.00", pending=True, expires_at="2026-01-01T00:00:00Z")
        refused = await client.post(f"{BASE}/transactions", json=late, headers=keyed(admin))
        assert refused.status_code == 422
        assert refused.json()["type"].endswith("/invalid-transaction")
        assert "expiry has already passed" in refused.json()["detail"]
        assert (await balance(client, admin, fund))["available"] == "1000.00"

    async def test_an_administrator_voids_expired_reservations_of_her_country(
        self, client, auth, new_fund: NewFund, clock: FixedClock
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        soon = (NOW + timedelta(seconds=1)).isoformat()
        expiring = body(fund, payable, "300.00", pending=True, expires_at=soon)
        created = await client.post(f"{BASE}/transactions", json=expiring, headers=keyed(admin))
        tx = created.json()["id"]
        clock.advance(timedelta(seconds=1))
        assert (await balance(client, admin, fund))["available"] == "700.00"
        posted = await client.post(f"{BASE}/transactions/{tx}/post", headers=keyed(admin))
        assert posted.json()["type"].endswith("/pending-expired")
        swept = await client.post(
            f"{BASE}/transactions/void-expired?country=SE", headers=keyed(admin)
        )
        assert tx in swept.json()["voided"]
        assert (await balance(client, admin, fund))["available"] == "1000.00"
        other = await client.post(
            f"{BASE}/transactions/void-expired?country=SE", headers=keyed(await auth("admin-lv"))
        )
        assert other.status_code == 403


class TestUnstorableText:
    async def test_a_nul_character_is_422_writes_nothing_and_leaves_the_key_usable(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin)
        response = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, memo="award\u0000"), headers=headers
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/unstorable-text")
        assert (await balance(client, admin, fund))["posted"] == "1000.00"
        retried = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, memo="award"), headers=headers
        )
        assert retried.status_code == 201, retried.text
        assert (await balance(client, admin, fund))["posted"] == "900.00"

    async def test_a_nul_character_in_a_path_or_query_is_422(self, client, auth) -> None:
        admin = await auth("admin-se")
        for path in (
            f"{BASE}/accounts/SE%2Fbank%00/balance",
            f"{BASE}/transactions?reference=case:%00",
        ):
            response = await client.get(path, headers=admin)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["type"].endswith("/unstorable-text")


class TestETags:
    """A transaction's ETag: 1 recorded, 2 posted or voided, 3 reversed; every write answers
    the new one, a read answers 304 while it holds, and If-Match (when sent) must name it."""

    async def test_every_write_answers_the_etag_a_read_then_matches(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        reserved = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, "400.00", pending=True),
            headers=keyed(admin),
        )
        assert reserved.headers["etag"] == '"1"'
        location = reserved.headers["location"]
        unchanged = await client.get(location, headers={**admin, "If-None-Match": '"1"'})
        assert unchanged.status_code == 304
        posted = await client.post(f"{location}/post", headers={**keyed(admin), "If-Match": '"1"'})
        assert posted.status_code == 200, posted.text
        assert posted.headers["etag"] == '"2"' == f'"{posted.json()["version"]}"'
        read = await client.get(location, headers={**admin, "If-None-Match": '"1"'})
        assert read.status_code == 200
        assert read.headers["etag"] == '"2"'
        reversal = await client.post(
            f"{location}/reverse", json={}, headers={**keyed(admin), "If-Match": '"2"'}
        )
        assert reversal.status_code == 201, reversal.text
        assert reversal.headers["etag"] == '"2"'  # the reversal itself, recorded posted
        assert (await client.get(location, headers=admin)).headers["etag"] == '"3"'

    async def test_a_replay_answers_the_first_etag(self, client, auth, new_fund: NewFund) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        reserved = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, "400.00", pending=True),
            headers=keyed(admin),
        )
        headers = keyed(admin)
        voided = await client.post(f"{reserved.headers['location']}/void", headers=headers)
        replay = await client.post(f"{reserved.headers['location']}/void", headers=headers)
        assert voided.headers["etag"] == replay.headers["etag"] == '"2"'

    async def test_a_stale_or_weak_if_match_is_412_and_moves_nothing(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        reserved = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable, "400.00", pending=True),
            headers=keyed(admin),
        )
        location = reserved.headers["location"]
        for tag in ('W/"1"', '"2"', "1"):
            refused = await client.post(
                f"{location}/post", headers={**keyed(admin), "If-Match": tag}
            )
            assert refused.status_code == 412, tag
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await client.get(location, headers=admin)).json()["status"] == "pending"
        assert (await balance(client, admin, fund))["available"] == "600.00"
