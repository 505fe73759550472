"""Ledger errors, free of HTTP. Messages name postings, accounts and states, never a person."""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base of every ledger error.

    A batch sets `transaction_index` (0-based position in the batch) before re-raising, so the
    problem document says which transaction was at fault.
    """

    transaction_index: int | None = None

    def problem_extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {}
        if self.transaction_index is not None:
            extensions["transaction_index"] = self.transaction_index
        return extensions


class InvalidTransaction(LedgerError):
    """The transaction as a whole is not acceptable (too few postings, missing rate, ...)."""


class InvalidPosting(InvalidTransaction):
    """One posting is not acceptable; `posting_index` (0-based) names it."""

    def __init__(self, posting_index: int, message: str) -> None:
        super().__init__(f"posting {posting_index}: {message}")
        self.posting_index = posting_index

    def problem_extensions(self) -> dict[str, Any]:
        return {**super().problem_extensions(), "posting_index": self.posting_index}


class NonPositiveAmount(InvalidPosting):
    """An amount on the wire must be a positive decimal string; the side says debit or credit."""


class PrecisionExceeded(InvalidPosting):
    """The amount has more decimals than its currency has minor units (ISK 0, others 2)."""


class UnknownAccount(InvalidPosting):
    """The posting names an account code that does not exist."""


class CurrencyMismatch(InvalidPosting):
    """The posting's currency is not its account's currency."""


class ForeignAccount(InvalidPosting):
    """The posting names an account of another country than the transaction's."""


class UnbalancedTransaction(InvalidTransaction):
    """The postings of one currency do not sum to zero."""

    def __init__(self, currency: str, difference: str) -> None:
        super().__init__(
            f"the {currency} postings do not balance: debits minus credits is {difference}"
        )
        self.currency = currency
        self.difference = difference

    def problem_extensions(self) -> dict[str, Any]:
        return {
            **super().problem_extensions(),
            "currency": self.currency,
            "difference": self.difference,
        }


class InsufficientFunds(LedgerError):
    """The posting would take an account that must not go negative below zero (available)."""

    def __init__(self, posting_index: int, account_code: str) -> None:
        super().__init__(
            f"posting {posting_index}: account {account_code} does not have enough available money"
        )
        self.posting_index = posting_index
        self.account_code = account_code

    def problem_extensions(self) -> dict[str, Any]:
        return {
            **super().problem_extensions(),
            "posting_index": self.posting_index,
            "account": self.account_code,
        }


class TransactionNotFound(LedgerError):
    """No transaction with that id (or not one the caller may see)."""


class AccountNotFound(LedgerError):
    """No account with that code (or not one the caller may see)."""


class InvalidAccount(LedgerError):
    """The account definition is not acceptable (code format, country, currency)."""


class AccountConflict(LedgerError):
    """An account with that code exists with a different definition."""


class InvalidTransition(LedgerError):
    """The transaction is not in a state that allows this (post or void a non-pending one)."""


class PendingExpired(InvalidTransition):
    """The pending transaction's expiry has passed: it can only be voided."""


class AlreadyReversed(LedgerError):
    """The transaction has been reversed already (a transaction is reversed at most once)."""


class OwnedElsewhere(LedgerError):
    """The money belongs to a claim or an application and moves only through its own routes."""

    def __init__(self, owner: str, account_code: str) -> None:
        kind, _, owner_id = owner.partition(":")
        super().__init__(
            f"account {account_code} belongs to {kind} {owner_id}; its money moves only through "
            f"that {kind}'s own routes"
        )
        self.owner = owner
        self.owner_kind = kind
        self.owner_id = owner_id
        self.account_code = account_code

    def problem_extensions(self) -> dict[str, Any]:
        return {**super().problem_extensions(), "owner": self.owner, "account": self.account_code}


class IdempotencyConflict(LedgerError):
    """The idempotency key was used before for a different transaction."""


__all__ = [
    "AccountConflict",
    "AccountNotFound",
    "AlreadyReversed",
    "CurrencyMismatch",
    "ForeignAccount",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAccount",
    "InvalidPosting",
    "InvalidTransaction",
    "InvalidTransition",
    "LedgerError",
    "NonPositiveAmount",
    "OwnedElsewhere",
    "PendingExpired",
    "PrecisionExceeded",
    "TransactionNotFound",
    "UnbalancedTransaction",
    "UnknownAccount",
]
