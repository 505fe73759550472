"""The allocation report as ministries, administrators and auditors pull it over HTTP."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal

import httpx
import openpyxl
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.ledger.conftest import fund_factory

Auth = Callable[[str], Awaitable[dict[str, str]]]
YEAR = "from=2026-01-01&to=2026-12-31"


async def _get(
    client: httpx.AsyncClient, auth: Auth, user: str, query: str, **headers: str
) -> httpx.Response:
    return await client.get(
        f"/api/v1/reports/allocation?{query}", headers={**await auth(user), **headers}
    )


class TestReach:
    async def test_a_swedish_ministry_gets_swedens_report_and_not_latvias(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        for user in ("ministry-se", "ministry-se-system", "admin-se", "auditor"):
            response = await _get(client, auth, user, f"country=SE&{YEAR}")
            assert response.status_code == 200, (user, response.text)
            assert response.json()["country"] == "SE"
        for user, country in (("ministry-se", "LV"), ("ministry-se", "ALL"), ("admin-se", "ALL")):
            response = await _get(client, auth, user, f"country={country}&{YEAR}")
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("application/problem+json")
        response = await _get(client, auth, "adviser-marta", f"country=SE&{YEAR}")
        assert response.status_code == 403

    async def test_a_report_states_its_countrys_audit_chain_head(
        self,
        client: httpx.AsyncClient,
        auth: Auth,
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        """Each country's section names the newest line of that country's chain when the report
        was made (before the line that records this pull), to verify the chain against later."""
        for user, country in (("ministry-se", "SE"), ("ministry-region", "ALL")):
            headers = await auth(user)
            async with sessions() as session:
                rows = await session.execute(
                    sa.text(
                        "SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_event "
                        "ORDER BY chain, seq DESC"
                    )
                )
                heads = {r.chain: {"chain": r.chain, "seq": r.seq, "hash": r.hash} for r in rows}
            response = await client.get(
                f"/api/v1/reports/allocation?country={country}&{YEAR}", headers=headers
            )
            body = response.json()
            sections = body["countries"] if country == "ALL" else [body]
            assert len(sections) == (8 if country == "ALL" else 1)
            for section in sections:
                stated = section["verification"]["audit_head"]
                assert stated == heads.get(
                    section["country"], {"chain": section["country"], "seq": 0, "hash": ""}
                )

    async def test_money_is_at_each_currencys_precision(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        """As in every other answer: "1000.00", ISK "1000", never "0" or "6600000.0"."""
        body = (await _get(client, auth, "ministry-region", f"country=ALL&{YEAR}")).json()
        for country in body["countries"]:
            decimals = 0 if country["currency"] == "ISK" else 2
            pattern = r"-?\d+" + (rf"\.\d{{{decimals}}}" if decimals else "")
            amounts = [country["opening"], country["closing"]]
            amounts += [*country["money_in"].values(), *country["money_out"].values()]
            for fund in country["funds"]:
                amounts += [fund["opening"], fund["closing"], *fund["money_in"].values()]
            published = [a for a in amounts if a is not None]  # None: withheld (few claims)
            assert all(re.fullmatch(pattern, a) for a in published), (country["country"], amounts)
        assert re.fullmatch(r"-?\d+\.\d{2}", body["eur"]["closing"])

    async def test_the_regional_ministry_gets_all_eight_and_euro_totals(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await _get(client, auth, "ministry-region", f"country=ALL&{YEAR}")
        assert response.status_code == 200
        body = response.json()
        assert [c["country"] for c in body["countries"]] == [
            "DK",
            "EE",
            "FI",
            "IS",
            "LT",
            "LV",
            "NO",
            "SE",
        ]
        assert {r["currency"] for r in body["eur"]["rates"]} == {"DKK", "EUR", "ISK", "NOK", "SEK"}
        assert all(r["source"] for r in body["eur"]["rates"])
        assert Decimal(body["eur"]["closing"]) > 0

    async def test_nonsense_periods_are_refused(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        for query in (
            "country=SE&from=1900-01-01&to=2026-12-31",
            "country=SE&from=2026-12-31&to=2026-01-01",
            "country=SE&from=2000-01-01&to=2026-12-31",
            "country=SE&from=2026-01-01&to=2026-07-15",  # not whole months
            "country=SE&from=2026-01-02&to=2026-07-31",
            "country=se&" + YEAR,
            "country=SE",
        ):
            response = await _get(client, auth, "ministry-se", query)
            assert response.status_code in (400, 422), query
            assert response.headers["content-type"].startswith("application/problem+json")


class TestFormats:
    async def test_csv_by_accept_and_xlsx_read_back(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await _get(client, auth, "ministry-se", f"country=SE&{YEAR}", Accept="text/csv")
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        closing = [r for r in rows if r["table"] == "balances" and r["item"] == "closing"]
        assert {r["fund"] for r in closing} == {"victims", "support-services", "earmarked"}
        response = await _get(client, auth, "ministry-se", f"country=SE&{YEAR}&format=xlsx")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert {"balances", "money_in", "money_out", "monthly", "claims", "suppression"} <= set(
            book.sheetnames
        )
        balances = book["balances"]
        header = [cell.value for cell in balances[1]]
        value_column = header.index("value")
        suppressed_column = header.index("suppressed")
        for row in balances.iter_rows(min_row=2):
            value, suppressed = row[value_column].value, row[suppressed_column].value
            assert (value is None) if suppressed else isinstance(value, int | float)
        assert balances.cell(row=2, column=value_column + 1).number_format == "#,##0.00"
        json_body = (await _get(client, auth, "ministry-se", f"country=SE&{YEAR}")).json()
        victims = next(f for f in json_body["funds"] if f["fund"] == "victims")
        xlsx_closing = next(
            row[value_column].value
            for row in balances.iter_rows(min_row=2)
            if row[3].value == "victims" and row[4].value == "closing"
        )
        assert Decimal(victims["closing"]) == Decimal(str(xlsx_closing)).quantize(Decimal("0.01"))

    async def test_no_report_holds_a_claim_reference_or_a_personal_field(
        self, client: httpx.AsyncClient, auth: Auth, session: AsyncSession
    ) -> None:
        references = (await session.scalars(sa.text("SELECT reference FROM claim"))).all()
        claim_ids = (await session.scalars(sa.text("SELECT id::text FROM claim"))).all()
        assert references
        for query in (f"country=SE&{YEAR}", f"country=ALL&{YEAR}"):
            for fmt in ("json", "csv", "xlsx"):
                response = await _get(client, auth, "ministry-region", f"{query}&format={fmt}")
                assert response.status_code == 200
                text = response.text if fmt != "xlsx" else _xlsx_text(response.content)
                for secret in (*references, *claim_ids):
                    assert secret not in text
                for field in ("name", "birth", "address", "phone", "email", "bank", "reference"):
                    assert f'"{field}' not in text


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)


class TestFundsBeyondTheChart:
    async def test_a_fund_an_administrator_opened_is_reported_not_a_crash(
        self, client: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """The chart has three funds, but an administrator may open another fund account: the
        regional report must carry it, in its country and in the euro totals, never answer 5xx."""
        fund, _ = await fund_factory(sessions)("1000")
        name = fund.split("/", 2)[2]
        response = await _get(client, auth, "ministry-region", f"country=ALL&{YEAR}")
        assert response.status_code == 200, response.text
        sweden = next(c for c in response.json()["countries"] if c["country"] == "SE")
        assert name in {line["fund"] for line in sweden["funds"]}
