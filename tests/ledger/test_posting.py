"""The pure core: a transaction is checked before any database sees it (no fixtures needed)."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import (
    AccountType,
    CurrencyMismatch,
    EntryKind,
    ForeignAccount,
    InsufficientFunds,
    InvalidTransaction,
    NonPositiveAmount,
    PostingSpec,
    PrecisionExceeded,
    TransactionSpec,
    UnbalancedTransaction,
    UnknownAccount,
)
from ledger.posting import (
    AccountFacts,
    check_against_accounts,
    check_funds,
    check_not_expired,
    check_transaction,
    fingerprint,
    mirror,
    parse_amount,
)
from tests.clock import NOW

DAY = date(2026, 11, 1)


def spec(*postings: tuple[str, str, str], country: str = "SE", **kwargs) -> TransactionSpec:
    return TransactionSpec(
        country=country,
        kind=kwargs.pop("kind", EntryKind.PAYMENT),
        effective_date=DAY,
        postings=tuple(PostingSpec(code, Decimal(amount), cur) for code, amount, cur in postings),
        **kwargs,
    )


def facts(code: str, currency: str = "SEK", available: str = "0", **kwargs) -> AccountFacts:
    return AccountFacts(
        code=code,
        type=kwargs.get("type", AccountType.FUND_EQUITY),
        currency=currency,
        country=kwargs.get("country", code[:2]),
        must_not_go_negative=kwargs.get("guarded", True),
        available=Decimal(available),
    )


class TestBalance:
    def test_a_balanced_transaction_passes(self) -> None:
        check_transaction(spec(("SE/bank", "100.00", "SEK"), ("SE/income/recovery", "-100", "SEK")))

    def test_an_unbalanced_transaction_names_the_currency_and_difference(self) -> None:
        with pytest.raises(UnbalancedTransaction) as caught:
            check_transaction(
                spec(("SE/bank", "100", "SEK"), ("SE/income/recovery", "-99.99", "SEK"))
            )
        assert caught.value.problem_extensions() == {"currency": "SEK", "difference": "0.01"}

    def test_each_currency_balances_on_its_own(self) -> None:
        with pytest.raises(UnbalancedTransaction):
            check_transaction(
                spec(
                    ("SE/exchange/SEK", "1147", "SEK"),
                    ("SE/exchange/EUR", "-100", "EUR"),
                    exchange_rates={"EUR": Decimal("11.47")},
                )
            )

    def test_a_single_posting_is_refused(self) -> None:
        with pytest.raises(InvalidTransaction):
            check_transaction(spec(("SE/bank", "0.01", "SEK")))


class TestAmounts:
    def test_zero_is_refused_naming_the_posting(self) -> None:
        with pytest.raises(NonPositiveAmount) as caught:
            check_transaction(
                spec(("SE/bank", "1", "SEK"), ("SE/x", "0", "SEK"), ("SE/y", "-1", "SEK"))
            )
        assert caught.value.posting_index == 1

    @pytest.mark.parametrize(
        ("amount", "currency"), [("1.5", "ISK"), ("0.001", "SEK"), ("1.011", "EUR")]
    )
    def test_more_decimals_than_the_currency_has_are_refused(
        self, amount: str, currency: str
    ) -> None:
        with pytest.raises(PrecisionExceeded) as caught:
            check_transaction(
                spec(("IS/a", "-" + amount, currency), ("IS/b", amount, currency), country="IS")
            )
        assert caught.value.posting_index == 0

    def test_trailing_zeros_are_not_extra_precision(self) -> None:
        check_transaction(spec(("IS/a", "-100.00", "ISK"), ("IS/b", "100", "ISK"), country="IS"))

    @pytest.mark.parametrize("text", ["1e3", "NaN", "Infinity", "", "1,00", " 1"])
    def test_wire_amounts_must_be_plain_decimals(self, text: str) -> None:
        with pytest.raises(InvalidTransaction):
            parse_amount(text, 0)

    def test_an_unknown_currency_is_refused(self) -> None:
        with pytest.raises(InvalidTransaction):
            check_transaction(spec(("SE/a", "1", "XXX"), ("SE/b", "-1", "XXX")))


class TestExchange:
    def test_each_currency_balances_through_the_exchange_accounts_at_the_recorded_rate(
        self,
    ) -> None:
        check_transaction(
            spec(
                ("SE/payable/return/a1", "1000.00", "EUR"),
                ("SE/exchange/EUR", "-1000.00", "EUR"),
                ("SE/exchange/SEK", "11470.00", "SEK"),
                ("SE/bank", "-11470.00", "SEK"),
                exchange_rates={"EUR": Decimal("11.47")},
            )
        )

    def test_the_rate_must_be_recorded(self) -> None:
        with pytest.raises(InvalidTransaction, match="rate"):
            check_transaction(
                spec(
                    ("SE/exchange/EUR", "-1000.00", "EUR"),
                    ("SE/x", "1000.00", "EUR"),
                    ("SE/exchange/SEK", "11470.00", "SEK"),
                    ("SE/bank", "-11470.00", "SEK"),
                )
            )

    def test_legs_that_disagree_with_the_rate_are_refused(self) -> None:
        with pytest.raises(InvalidTransaction, match="do not match"):
            check_transaction(
                spec(
                    ("SE/x", "1000.00", "EUR"),
                    ("SE/exchange/EUR", "-1000.00", "EUR"),
                    ("SE/exchange/SEK", "12000.00", "SEK"),
                    ("SE/bank", "-12000.00", "SEK"),
                    exchange_rates={"EUR": Decimal("11.47")},
                )
            )

    def test_a_second_currency_without_its_exchange_account_is_refused(self) -> None:
        with pytest.raises(InvalidTransaction, match="through SE/exchange/EUR"):
            check_transaction(
                spec(
                    ("SE/x", "1000.00", "EUR"),
                    ("SE/y", "-1000.00", "EUR"),
                    ("SE/exchange/SEK", "11470.00", "SEK"),
                    ("SE/bank", "-11470.00", "SEK"),
                    exchange_rates={"EUR": Decimal("11.47")},
                )
            )


class TestHeader:
    def test_only_a_pending_transaction_expires(self) -> None:
        with pytest.raises(InvalidTransaction, match="pending"):
            check_transaction(spec(("SE/a", "1", "SEK"), ("SE/b", "-1", "SEK"), expires_at=NOW))

    def test_a_reservation_expires_after_it_is_made(self) -> None:
        now = NOW
        reservation = spec(
            ("SE/a", "1", "SEK"), ("SE/b", "-1", "SEK"), pending=True, expires_at=now
        )
        with pytest.raises(InvalidTransaction, match="expiry has already passed"):
            check_not_expired(reservation, now)
        check_not_expired(reservation, now - timedelta(microseconds=1))

    def test_references_have_lowercase_keys(self) -> None:
        with pytest.raises(InvalidTransaction, match="references"):
            check_transaction(
                spec(("SE/a", "1", "SEK"), ("SE/b", "-1", "SEK"), references={"Name": "x"})
            )


class TestAccounts:
    def test_unknown_account_is_named(self) -> None:
        with pytest.raises(UnknownAccount) as caught:
            check_against_accounts(
                spec(("SE/a", "1", "SEK"), ("SE/b", "-1", "SEK")), {"SE/a": facts("SE/a")}
            )
        assert caught.value.posting_index == 1

    def test_wrong_currency_is_named(self) -> None:
        accounts = {"SE/a": facts("SE/a"), "SE/b": facts("SE/b", currency="EUR")}
        with pytest.raises(CurrencyMismatch) as caught:
            check_against_accounts(spec(("SE/a", "1", "SEK"), ("SE/b", "-1", "SEK")), accounts)
        assert caught.value.posting_index == 1

    def test_another_countrys_account_is_named(self) -> None:
        accounts = {"SE/a": facts("SE/a"), "LV/b": facts("LV/b")}
        with pytest.raises(ForeignAccount) as caught:
            check_against_accounts(spec(("SE/a", "1", "SEK"), ("LV/b", "-1", "SEK")), accounts)
        assert caught.value.posting_index == 1


class TestFunds:
    def test_an_overdraft_of_a_guarded_account_names_the_posting(self) -> None:
        accounts = {
            "SE/fund": facts("SE/fund", available="100"),
            "SE/pay": facts("SE/pay", guarded=False),
        }
        with pytest.raises(InsufficientFunds) as caught:
            check_funds(
                [spec(("SE/fund", "100.01", "SEK"), ("SE/pay", "-100.01", "SEK"))],
                accounts,
                batch=False,
            )
        assert caught.value.problem_extensions() == {"posting_index": 0, "account": "SE/fund"}

    def test_pending_money_out_counts_at_once_and_money_in_only_when_posted(self) -> None:
        accounts = {
            "SE/fund": facts("SE/fund", available="100"),
            "SE/pay": facts("SE/pay", guarded=False),
        }
        reserve = spec(("SE/fund", "60", "SEK"), ("SE/pay", "-60", "SEK"), pending=True)
        pending_in = spec(("SE/pay", "50", "SEK"), ("SE/fund", "-50", "SEK"), pending=True)
        with pytest.raises(InsufficientFunds) as caught:
            check_funds([reserve, pending_in, reserve], accounts, batch=True)
        assert caught.value.transaction_index == 2

    def test_exactly_the_available_balance_may_be_spent(self) -> None:
        accounts = {
            "SE/fund": facts("SE/fund", available="100"),
            "SE/pay": facts("SE/pay", guarded=False),
        }
        check_funds(
            [spec(("SE/fund", "100", "SEK"), ("SE/pay", "-100", "SEK"))], accounts, batch=False
        )


class TestIdentity:
    def test_the_same_amount_written_differently_is_the_same_request(self) -> None:
        a = spec(("SE/a", "100", "SEK"), ("SE/b", "-100.00", "SEK"))
        b = spec(("SE/a", "100.0", "SEK"), ("SE/b", "-100", "SEK"))
        assert fingerprint(a) == fingerprint(b)

    def test_a_different_amount_is_a_different_request(self) -> None:
        a = spec(("SE/a", "100", "SEK"), ("SE/b", "-100", "SEK"))
        b = spec(("SE/a", "101", "SEK"), ("SE/b", "-101", "SEK"))
        assert fingerprint(a) != fingerprint(b)

    def test_a_mirror_undoes_every_posting(self) -> None:
        postings = spec(("SE/a", "100", "SEK"), ("SE/b", "-100", "SEK")).postings
        assert [p.amount for p in mirror(postings)] == [Decimal(-100), Decimal(100)]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


class TestBoundaries:
    LEDGER = Path(__file__).resolve().parents[2] / "ledger"

    def test_the_ledger_imports_nothing_of_the_shell_claims_or_policies(self) -> None:
        for path in self.LEDGER.glob("*.py"):
            for name in _imports(path):
                assert name.split(".")[0] not in {"fundadmin", "claims", "policies"}, path.name

    def test_the_core_imports_neither_sqlalchemy_nor_litestar(self) -> None:
        for core in ("posting.py", "chart.py", "errors.py", "views.py"):
            for name in _imports(self.LEDGER / core):
                assert name.split(".")[0] not in {"sqlalchemy", "litestar", "advanced_alchemy"}
