"""An allocation report as JSON, CSV or XLSX.

JSON keeps the report's shape (money as decimal strings). CSV and XLSX share one long table of
figures: country, table, period, fund, item, measure, value, unit; a withheld figure has no
value and `suppressed` set. XLSX has a sheet per table, numbers as numbers with money formatted
in the currency's decimals, and a sheet that explains suppression.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter

import ledger
from fundadmin.reports.allocation import (
    MONEY_SUPPRESSION_METHOD,
    SUPPRESSION_METHOD,
    CountryReport,
    MoneyKey,
    RegionalReport,
)
from fundadmin.reports.suppression import THRESHOLD
from ledger.schemas import money as ledger_money

Report = CountryReport | RegionalReport


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _money(value: Decimal | None, currency: str) -> str | None:
    """Money at the currency's precision, as every answer of the API gives it."""
    return None if value is None else ledger_money(value, currency)


def _amounts(
    values: dict[str, Decimal],
    currency: str,
    withheld: frozenset[MoneyKey] = frozenset(),
    prefix: MoneyKey = (),
) -> dict[str, str | None]:
    """Money at the currency's precision; None where (*prefix, item) is withheld."""
    return {
        key: None if (*prefix, key) in withheld else ledger_money(value, currency)
        for key, value in values.items()
    }


def country_json(report: CountryReport) -> dict[str, Any]:
    cur, hidden = report.currency, report.withheld
    return {
        "country": report.country,
        "currency": report.currency,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "made_at": report.made_at.isoformat(),
        "opening": _money(report.opening, report.currency),
        "closing": _money(report.closing, report.currency),
        "money_in": _amounts(report.money_in, cur, hidden, ("total", "in")),
        "money_out": _amounts(report.money_out, cur, hidden, ("total", "out")),
        "funds": [
            {
                "fund": line.fund,
                "opening": _money(line.opening, cur),
                "money_in": _amounts(line.money_in, cur, hidden, ("fund", line.fund, "in")),
                "money_out": _amounts(line.money_out, cur, hidden, ("fund", line.fund, "out")),
                "closing": _money(line.closing, cur),
                "pending_commitments": _money(
                    report.shown(("pending", line.fund), line.pending_commitments), cur
                ),
            }
            for line in report.funds
        ],
        "months": [
            {
                "month": (label := month.month.strftime("%Y-%m")),
                "money_in": _amounts(month.money_in, cur, hidden, ("month", label, "in")),
                "money_out": _amounts(month.money_out, cur, hidden, ("month", label, "out")),
                "closing": _amounts(month.closing, cur),
            }
            for month in report.months
        ],
        "claims": [
            {"table": c.table, "period": c.period, "row": c.row, "count": c.count}
            | ({"amount": _money(c.amount, report.currency)} if c.table == "awards_by_head" else {})
            for c in report.claims
        ],
        "durations": [
            {
                "period": d.period,
                "measure": d.measure,
                "claims": d.claims,
                "median_days": _text(d.median),
                "p90_days": _text(d.p90),
            }
            for d in report.durations
        ],
        "verification": {
            "trial_balance": {
                "debits": _money(report.trial_balance_debits, report.currency),
                "credits": _money(report.trial_balance_credits, report.currency),
                "balanced": report.trial_balance_debits == report.trial_balance_credits,
            },
            "audit_head": {
                "chain": report.audit_head.chain,
                "seq": report.audit_head.seq,
                "hash": report.audit_head.hash,
            },
        },
        "suppression": _suppression(),
    }


def _suppression() -> dict[str, Any]:
    return {
        "threshold": THRESHOLD,
        "method": SUPPRESSION_METHOD,
        "money_method": MONEY_SUPPRESSION_METHOD,
        "withheld_as": None,
    }


def regional_json(report: RegionalReport) -> dict[str, Any]:
    return {
        "country": "ALL",
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "made_at": report.made_at.isoformat(),
        "eur": {
            "opening": _money(report.opening_eur, "EUR"),
            "closing": _money(report.closing_eur, "EUR"),
            "money_in": _amounts(report.money_in_eur, "EUR", report.withheld, ("in",)),
            "money_out": _amounts(report.money_out_eur, "EUR", report.withheld, ("out",)),
            "funds": {
                fund: _amounts(values, "EUR", report.withheld, (fund,))
                for fund, values in report.funds_eur.items()
            },
            "rates": [
                {
                    "currency": rate.currency,
                    "per_euro": _text(rate.per_euro),
                    "effective_from": rate.effective_from.isoformat(),
                    "source": rate.source,
                    "verified": rate.verified,
                }
                for rate in report.rates
            ],
            "note": "each country's amounts divided by its recorded rate, rounded to the cent; "
            "claim statistics are not added up across countries",
        },
        "countries": [country_json(country) for country in report.countries],
        "suppression": _suppression(),
    }


def as_json(report: Report) -> dict[str, Any]:
    return country_json(report) if isinstance(report, CountryReport) else regional_json(report)


# The long table of CSV and XLSX -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    country: str
    table: str
    period: str
    fund: str
    item: str
    measure: str
    value: Decimal | int | None
    unit: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


COLUMNS = ("country", "table", "period", "fund", "item", "measure", "value", "unit", "suppressed")


def _money_figures(report: CountryReport) -> Iterator[Figure]:
    c, cur, shown = report.country, report.currency, report.shown
    period = f"{report.start.isoformat()}/{report.end.isoformat()}"
    for line in report.funds:
        for item, value in (
            ("opening", line.opening),
            ("closing", line.closing),
            ("pending_commitments", shown(("pending", line.fund), line.pending_commitments)),
        ):
            yield Figure(c, "balances", period, line.fund, item, "amount", value, cur)
        for item, amount in line.money_in.items():
            value = shown(("fund", line.fund, "in", item), amount)
            yield Figure(c, "money_in", period, line.fund, item, "amount", value, cur)
        for item, amount in line.money_out.items():
            value = shown(("fund", line.fund, "out", item), amount)
            yield Figure(c, "money_out", period, line.fund, item, "amount", value, cur)
    for direction, totals in (("in", report.money_in), ("out", report.money_out)):
        for item, amount in totals.items():
            value = shown(("total", direction, item), amount)
            yield Figure(c, f"money_{direction}", period, "all", item, "amount", value, cur)
    for month in report.months:
        label = month.month.strftime("%Y-%m")
        for item, amount in month.money_in.items():
            value = shown(("month", label, "in", item), amount)
            yield Figure(c, "monthly", label, "", f"in:{item}", "amount", value, cur)
        for item, amount in month.money_out.items():
            value = shown(("month", label, "out", item), amount)
            yield Figure(c, "monthly", label, "", f"out:{item}", "amount", value, cur)
        for fund, value in month.closing.items():
            yield Figure(c, "monthly", label, fund, "closing", "amount", value, cur)


def _country_figures(report: CountryReport) -> Iterator[Figure]:
    yield from _money_figures(report)
    c, cur = report.country, report.currency
    period = f"{report.start.isoformat()}/{report.end.isoformat()}"
    for cell in report.claims:
        yield Figure(c, cell.table, cell.period, "", cell.row, "claims", cell.count, "claims")
        if cell.table == "awards_by_head":
            yield Figure(c, cell.table, cell.period, "", cell.row, "amount", cell.amount, cur)
    for d in report.durations:
        yield Figure(c, "durations", d.period, "", d.measure, "claims", d.claims, "claims")
        yield Figure(c, "durations", d.period, "", d.measure, "median", d.median, "days")
        yield Figure(c, "durations", d.period, "", d.measure, "p90", d.p90, "days")
    yield Figure(
        c, "verification", period, "", "trial_balance", "debits", report.trial_balance_debits, cur
    )
    yield Figure(
        c, "verification", period, "", "trial_balance", "credits", report.trial_balance_credits, cur
    )


def figures(report: Report) -> list[Figure]:
    if isinstance(report, CountryReport):
        return list(_country_figures(report))
    result = []
    period = f"{report.start.isoformat()}/{report.end.isoformat()}"
    for item, value in (("opening", report.opening_eur), ("closing", report.closing_eur)):
        result.append(Figure("ALL", "eur", period, "", item, "amount", value, "EUR"))
    for direction, totals in (("in", report.money_in_eur), ("out", report.money_out_eur)):
        for item, amount in totals.items():
            euros = report.shown((direction, item), amount)
            result.append(
                Figure("ALL", "eur", period, "", f"{direction}:{item}", "amount", euros, "EUR")
            )
    for fund, values in report.funds_eur.items():
        for item, amount in values.items():
            euros = report.shown((fund, item), amount)
            result.append(Figure("ALL", "eur", period, fund, item, "amount", euros, "EUR"))
    for rate in report.rates:
        result.append(
            Figure(
                rate.currency,
                "rates",
                rate.effective_from.isoformat(),
                "",
                rate.source,
                "per_euro",
                rate.per_euro,
                rate.currency,
            )
        )
    for country in report.countries:
        result.extend(_country_figures(country))
    return result


def as_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in figures(report):
        writer.writerow(
            (
                f.country,
                f.table,
                f.period,
                f.fund,
                f.item,
                f.measure,
                "" if f.value is None else f.value,
                f.unit,
                "true" if f.suppressed else "false",
            )
        )
    return out.getvalue().encode()


SUPPRESSION_TEXT = (
    "How small numbers are withheld",
    (
        f"A figure derived from 1 to {THRESHOLD - 1} claims is withheld: its cell is empty and "
        "'suppressed' says TRUE. Zero is published: it describes nobody."
    ),
    f"Method: {SUPPRESSION_METHOD}.",
    (
        "Claim statistics and awards by head of damage are derived from claims one by one, and "
        "withheld as above."
    ),
    f"Money: {MONEY_SUPPRESSION_METHOD}.",
    "No report holds a name, a claim reference or the date of a single claim.",
)


def as_xlsx(report: Report) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    formats = {
        0: book.add_format({"num_format": "#,##0"}),
        2: book.add_format({"num_format": "#,##0.00"}),
    }
    sheets: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for f in figures(report):
        sheet = sheets.get(f.table)
        if sheet is None:
            sheet = sheets[f.table] = book.add_worksheet(f.table[:31])
            sheet.write_row(0, 0, COLUMNS, bold)
            sheet.set_column(0, 8, 16)
            rows[f.table] = 1
        row = rows[f.table]
        sheet.write_row(row, 0, (f.country, f.table, f.period, f.fund, f.item, f.measure))
        if f.value is None:
            sheet.write_blank(row, 6, None)
        elif f.measure in ("amount", "debits", "credits", "per_euro"):
            places = ledger.MINOR_UNITS.get(f.unit, 2) if f.measure != "per_euro" else 2
            sheet.write_number(row, 6, float(f.value), formats[0 if places == 0 else 2])
        else:
            sheet.write_number(row, 6, float(f.value))
        sheet.write_string(row, 7, f.unit)
        sheet.write_boolean(row, 8, f.suppressed)
        rows[f.table] = row + 1
    about = book.add_worksheet("suppression")
    about.set_column(0, 0, 120)
    for index, line in enumerate(SUPPRESSION_TEXT):
        about.write_string(index, 0, line, bold if index == 0 else None)
    book.close()
    return out.getvalue()
