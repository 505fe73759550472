"""The country policies: which exist, their parameters in force, and dry-run assessments.

Parameters are public law and fund rules, not personal data: every signed-in role may read them.
A dry-run assessment is an estimate touching no record; legal advisers and administrators may
ask it of any country (a Swedish adviser may estimate a Latvian claim before filing it there).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api.pagination import LINK_HEADER, After, Limit, Page, page_of, paged
from fundadmin.clock import Clock, today
from fundadmin.parameter_values.service import policy_for
from fundadmin.security.guards import requires
from fundadmin.security.principal import Role
from policies.registry import POLICIES
from policies.schemas import AssessmentOut, AssessRequest, PolicyDetail, PolicySummary

READERS = (
    Role.LEGAL_ADVISER,
    Role.ADMINISTRATOR,
    Role.MINISTRY,
    Role.AUDITOR,
    Role.SUPERUSER,
)
ASSESSORS = (Role.LEGAL_ADVISER, Role.ADMINISTRATOR)
LapseDays = Annotated[
    int,
    QueryParameter(
        ge=0, le=3660, description="List the yearly figures lapsing within this many days"
    ),
]


class PoliciesController(Controller):
    path = "/api/v1/policies"
    tags = ["policies"]

    @get(
        "/",
        guards=[requires(*READERS)],
        summary="The eight country policies",
        response_headers=LINK_HEADER,
    )
    async def list_policies(
        self, request: Request[Any, Any, Any], after: After = None, limit: Limit = 50
    ) -> Response[Page[PolicySummary]]:
        summaries = [PolicySummary.of(policy) for policy in POLICIES.values()]
        return paged(request, page_of(summaries, after, limit))

    @get(
        "/{country:str}",
        guards=[requires(*READERS)],
        summary="A country's parameters in force on a date, with sources and verified flags",
    )
    async def policy(
        self,
        clock: NamedDependency[Clock],
        session: NamedDependency[AsyncSession],
        country: FromPath[str],
        as_of: FromQuery[date | None] = None,
        lapse_days: LapseDays = 60,
    ) -> PolicyDetail:
        policy = await policy_for(session, country)
        return PolicyDetail.of(policy, as_of or today(clock), lapse_days)

    @post(
        "/{country:str}/assess",
        guards=[requires(*ASSESSORS)],
        status_code=200,
        summary="Dry-run assessment of a claim's facts (an estimate; nothing is stored)",
    )
    async def assess(
        self,
        clock: NamedDependency[Clock],
        session: NamedDependency[AsyncSession],
        country: FromPath[str],
        data: JSONBody[AssessRequest],
    ) -> AssessmentOut:
        policy = await policy_for(session, country)
        return AssessmentOut.of(policy.assess(data.facts(policy.code), data.as_of or today(clock)))
