"""Allocation reports over HTTP: ministries pull them, administrators and auditors read them.

`GET /api/v1/reports/allocation?country=SE&from=2026-01-01&to=2026-12-31` answers JSON, CSV or
XLSX, chosen by `format=` or else by the `Accept` header. A ministry, administrator or auditor
reaches the countries of her grants; `country=ALL` (the regional report, with euro totals) needs
a grant for every country. Another country's report answers 404, as any record out of reach.
Each report pulled is a line on the audit trail (who, which country and period, which format).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from fundadmin.api.conventions import business_rules
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.errors import NOT_FOUND, UNPROCESSABLE, ProblemError
from fundadmin.reports import allocation, render
from fundadmin.security.audit import client_address, write_audit
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role

REPORT_READERS = [requires(Role.MINISTRY, Role.ADMINISTRATOR, Role.AUDITOR)]
_ROLES = (Role.MINISTRY, Role.ADMINISTRATOR, Role.AUDITOR)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "xlsx": XLSX}
EARLIEST = date(2000, 1, 1)
FIRST_OF_A_MONTH = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-01$"
"""What the schema can state of `from`: on or after EARLIEST, the first of a month."""
MONTH_END_DAY = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-(28|29|30|31)$"
"""What the schema can state of `to`: not before EARLIEST, on a day that can end a month."""
LONGEST_DAYS = 10 * 366
"""A report covers at most ten years (each year's claim cells are computed in full)."""

Country = Annotated[
    str,
    QueryParameter(
        pattern="^([A-Z]{2}|ALL)$",
        description="ISO 3166 alpha-2 code of one fund, or ALL for the regional report",
    ),
]
Format = Annotated[
    Literal["json", "csv", "xlsx"] | None,
    QueryParameter(description="json, csv or xlsx; absent: chosen by the Accept header"),
]


def _reaches(principal: Principal, country: str) -> bool:
    return any(principal.reaches(role, country) for role in _ROLES)


def _chosen_format(requested: str | None, accept: str | None) -> str:
    if requested is not None:
        return requested
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media == XLSX:
            return "xlsx"
        if media == "text/csv":
            return "csv"
        if media in ("application/json", "*/*", "application/*"):
            return "json"
    return "json"


def check_period(start: date, end: date) -> None:
    if start < EARLIEST:
        raise ProblemError(UNPROCESSABLE, f"from must be on or after {EARLIEST.isoformat()}")
    if end < start:
        raise ProblemError(UNPROCESSABLE, "to must not be before from")
    if (end - start).days > LONGEST_DAYS:
        raise ProblemError(UNPROCESSABLE, "a report covers at most ten years")
    if not allocation.whole_months(start, end):
        raise ProblemError(UNPROCESSABLE, allocation.PERIOD_RULE)


async def allocation_for(
    session: AsyncSession,
    principal: Principal,
    country: str,
    start: date,
    end: date,
    *,
    now: datetime,
    remote_addr: str | None,
    chosen: str,
) -> render.Report:
    """The allocation report `principal` may pull, with its audit line committed; the one way
    in for the API and the web pages alike."""
    check_period(start, end)
    regional = country == "ALL"
    wanted = sorted(ledger.COUNTRY_CURRENCY) if regional else [country]
    if any(c not in ledger.COUNTRY_CURRENCY or not _reaches(principal, c) for c in wanted):
        raise ProblemError(NOT_FOUND, "there is no such report within your reach")
    async with unit_of_work(session):
        report: render.Report = (
            await allocation.regional_report(session, start, end, made_at=now)
            if regional
            else await allocation.country_report(session, country, start, end, made_at=now)
        )
        await write_audit(
            session,
            principal=principal,
            action="report.allocation",
            subject_type="report",
            subject_id=country,
            remote_addr=remote_addr,
            details={"from": start.isoformat(), "to": end.isoformat(), "format": chosen},
        )
    return report


class ReportsController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get(
        "/allocation",
        guards=REPORT_READERS,
        summary="Allocation report: money in and out, balances, claim statistics (JSON, CSV, XLSX)",
        media_type="application/json",
        opt=business_rules(
            "`to` is the last day of its month (the pattern admits the 28th to the 31st of any)",
            "`to` is not before `from` and at most ten years after it",
        ),
    )
    async def allocation_report(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        country: Country,
        start: Annotated[
            date,
            QueryParameter(
                name="from",
                description="First day: the first of a month, 2000-01-01 or later",
                schema_extra={"pattern": FIRST_OF_A_MONTH},
            ),
        ],
        end: Annotated[
            date,
            QueryParameter(
                name="to",
                description="Last day: the last of a month, at most ten years after `from`",
                schema_extra={"pattern": MONTH_END_DAY},
            ),
        ],
        format: Format = None,  # noqa: A002 - the query parameter's name
    ) -> Response[Any]:
        chosen = _chosen_format(format, request.headers.get("Accept"))
        report = await allocation_for(
            session,
            principal,
            country,
            start,
            end,
            now=clock.now(),
            remote_addr=client_address(request),
            chosen=chosen,
        )
        if chosen == "json":
            return Response(content=render.as_json(report), media_type=MEDIA_TYPES["json"])
        body = render.as_csv(report) if chosen == "csv" else render.as_xlsx(report)
        filename = f"allocation-{country}-{start.isoformat()}-{end.isoformat()}.{chosen}"
        return Response(
            content=body,
            media_type=MEDIA_TYPES[chosen],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
