"""Every database has each country's standard chart, and the demo books add up."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from ledger.chart import all_standard_accounts


class TestStandardChart:
    async def test_the_migration_writes_the_chart_of_every_country(
        self, session: AsyncSession
    ) -> None:
        accounts = {a.code: a for a in await ledger.list_accounts(session)}
        for expected in all_standard_accounts():
            account = accounts[expected.code]
            assert (account.name, account.type, account.currency, account.country) == (
                expected.name,
                expected.type,
                expected.currency,
                expected.country,
            )
            assert account.must_not_go_negative is expected.must_not_go_negative

    async def test_the_agreed_codes_exist_for_each_country(self, session: AsyncSession) -> None:
        for country, currency in ledger.COUNTRY_CURRENCY.items():
            for suffix in (
                "bank",
                "assets/confiscated",
                "fund/victims",
                "fund/support-services",
                "income/appropriation",
                "income/confiscation",
                "income/recovery",
                f"exchange/{currency}",
            ):
                account = await ledger.get_account(session, f"{country}/{suffix}")
                assert account.country == country

    async def test_iceland_keeps_its_books_in_kronur(self, session: AsyncSession) -> None:
        assert (await ledger.get_account(session, "IS/fund/victims")).currency == "ISK"


class TestDemoBooks:
    async def test_each_fund_opens_with_an_appropriation_and_has_movements(
        self, session: AsyncSession
    ) -> None:
        for country in ledger.COUNTRY_CURRENCY:
            victims = await ledger.account_balance(session, f"{country}/fund/victims")
            assert victims.posted > 0, country
            statement = await ledger.account_statement(session, f"{country}/bank")
            assert len(statement.lines) >= 5, country
            trial = await ledger.trial_balance(session, country)
            assert all(total.balanced for total in trial.totals), country
