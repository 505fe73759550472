"""Every country, table-driven: what an administrator would see for typical claims.

Each row is one claim: its facts, the decision date, the amount proposed per head (in the order
claimed) and the findings that must (and must not) be shown. `covers` names the behaviour the row
proves, and TestTableCoversTheIssue checks that each country has every required behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from policies import POLICIES, ClaimFacts, CountryPolicy, HeadCategory, MaterialLossKind
from policies.base import ParameterValue
from policies.engine import StandardPolicy
from policies.parameters import DatedParameter
from tests.policies.factories import facts, material, non_material, paid, withheld

REQUIRED = {"cap", "deduction", "deadline", "minor", "change", "rounding", "withheld"}


@dataclass(frozen=True)
class Case:
    id: str
    covers: str
    facts: ClaimFacts
    as_of: date
    proposed: tuple[str, ...]
    findings: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    message: str = ""
    """Text one of the findings must contain."""
    policy: CountryPolicy | None = field(default=None, compare=False)

    @property
    def country(self) -> str:
        return self.facts.country


def codes(*names: str) -> frozenset[str]:
    return frozenset(names)


def with_fund_rule(country: str, name: str, *values: tuple[date, bool]) -> CountryPolicy:
    """The country's policy with a ministry's dated fund rule (as a ministry would set it)."""
    parameter = DatedParameter(
        name=name,
        layer="fund",
        unit="true/false",
        description="fund rule set by the ministry",
        values=tuple(
            ParameterValue(on, value, "ministry decision (test)", verified=True)
            for on, value in values
        ),
    )
    policy = POLICIES[country]
    assert isinstance(policy, StandardPolicy)
    return policy.with_parameters([parameter])


BORN_2008 = date(2008, 1, 1)
"""Birth date of a claimant who was a child at every crime date in the table."""

SE = [
    Case(
        "SE personal-injury cap is 20 prisbasbelopp of the decision year (2025)",
        "cap",
        facts("SE", material("SE", "2000000"), crime=date(2024, 1, 1), applied=date(2024, 6, 1)),
        date(2025, 3, 1),
        ("1176000.00",),
        codes("cap_reached", "unverified_parameter"),
    ),
    Case(
        "SE same claim decided in 2023: the cap follows the 2023 prisbasbelopp",
        "change",
        facts("SE", material("SE", "2000000"), crime=date(2022, 6, 1), applied=date(2023, 1, 10)),
        date(2023, 6, 1),
        ("1050000.00",),
        codes("cap_reached"),
    ),
    Case(
        "SE property is capped at 10 prisbasbelopp",
        "cap",
        facts("SE", material("SE", "700000", MaterialLossKind.PROPERTY)),
        date(2023, 10, 1),
        ("525000.00",),
        codes("cap_reached"),
    ),
    Case(
        "SE kränkning is uncapped",
        "cap",
        facts("SE", non_material("SE", "2500000")),
        date(2023, 10, 1),
        ("2500000.00",),
        absent=codes("cap_reached"),
    ),
    Case(
        "SE grundavdrag of 1 500 SEK before 1 Jul 2020",
        "change",
        facts("SE", non_material("SE", "10000"), crime=date(2019, 6, 1), applied=date(2020, 1, 1)),
        date(2020, 6, 30),
        ("8500.00",),
        codes("deductible_applied"),
    ),
    Case(
        "SE no grundavdrag from 1 Jul 2020",
        "change",
        facts("SE", non_material("SE", "10000"), crime=date(2019, 6, 1), applied=date(2020, 1, 1)),
        date(2020, 7, 1),
        ("10000.00",),
        absent=codes("deductible_applied"),
    ),
    Case(
        "SE what the offender and the insurer paid is deducted",
        "deduction",
        facts(
            "SE",
            non_material("SE", "200000"),
            prior_payments=(paid("SE", "offender", "20000"), paid("SE", "insurance", "5000")),
        ),
        date(2023, 10, 1),
        ("175000.00",),
        codes("deduction_applied"),
    ),
    Case(
        "SE three years from the crime when no investigation was opened: passed",
        "deadline",
        facts("SE", non_material("SE", "50000"), crime=date(2019, 1, 1), applied=date(2023, 6, 1)),
        date(2023, 9, 1),
        ("50000.00",),
        codes("deadline_passed"),
        message="synnerliga skäl",
    ),
    Case(
        "SE a child at the crime may apply until 21",
        "minor",
        facts(
            "SE",
            non_material("SE", "50000"),
            crime=date(2019, 1, 1),
            applied=date(2023, 6, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2023, 9, 1),
        ("50000.00",),
        codes("deadline_met_by_exception"),
        codes("deadline_passed"),
    ),
    Case(
        "SE a child at the crime who applies after 21 is late",
        "minor",
        facts(
            "SE",
            non_material("SE", "50000"),
            crime=date(2017, 6, 1),
            applied=date(2023, 6, 1),
            claimant_birth_date=date(2000, 1, 1),
        ),
        date(2023, 9, 1),
        ("50000.00",),
        codes("deadline_passed"),
    ),
    Case(
        "SE an amount finer than the öre is rounded half up",
        "rounding",
        facts("SE", non_material("SE", "1234.565")),
        date(2023, 10, 1),
        ("1234.57",),
    ),
    Case(
        "SE withheld earnings are not a statutory head",
        "withheld",
        facts("SE", non_material("SE", "60000"), withheld("SE", "90000")),
        date(2023, 10, 1),
        ("60000.00", "0.00"),
        codes("head_not_covered_by_statute"),
    ),
    Case(
        "SE a missing police report is shown, not refused",
        "police",
        facts("SE", non_material("SE", "60000"), police=False),
        date(2023, 10, 1),
        ("60000.00",),
        codes("police_report_missing"),
    ),
]

FI = [
    Case(
        "FI kärsimys after trafficking: deductible, then the 3 600 EUR cap",
        "cap",
        facts("FI", non_material("FI", "10000"), crime=date(2018, 3, 1), applied=date(2018, 9, 1)),
        date(2019, 1, 15),
        ("3600.00",),
        codes("cap_reached", "deductible_applied"),
    ),
    Case(
        "FI sexual crime against a child: the 16 200 EUR cap",
        "cap",
        facts(
            "FI",
            non_material("FI", "20000"),
            offence="sexual_offence",
            crime=date(2018, 3, 1),
            applied=date(2018, 9, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2019, 1, 15),
        ("16200.00",),
        codes("cap_reached"),
    ),
    Case(
        "FI perusvähennys was 200 EUR before 2018 (caps of that time unknown)",
        "change",
        facts("FI", non_material("FI", "1000"), crime=date(2016, 3, 1), applied=date(2016, 9, 1)),
        date(2017, 6, 1),
        ("800.00",),
        codes("deductible_applied", "cap_unknown"),
    ),
    Case(
        "FI perusvähennys is 220 EUR from 2018",
        "change",
        facts("FI", non_material("FI", "1000"), crime=date(2016, 3, 1), applied=date(2016, 9, 1)),
        date(2018, 6, 1),
        ("780.00",),
        codes("deductible_applied"),
        codes("cap_unknown"),
    ),
    Case(
        "FI insurance paid for medical costs is deducted from that head",
        "deduction",
        facts(
            "FI",
            material("FI", "5000"),
            prior_payments=(paid("FI", "insurance", "1200", HeadCategory.MATERIAL_LOSS),),
        ),
        date(2024, 1, 10),
        ("3800.00",),
        codes("deduction_applied"),
    ),
    Case(
        "FI three years from the final judgment: passed",
        "deadline",
        facts(
            "FI",
            material("FI", "5000"),
            crime=date(2018, 3, 1),
            judgment_date=date(2019, 1, 10),
            applied=date(2022, 3, 1),
        ),
        date(2022, 6, 1),
        ("5000.00",),
        codes("deadline_passed"),
        message="erityisistä syistä",
    ),
    Case(
        "FI no court: ten years from the crime, in time",
        "deadline",
        facts("FI", material("FI", "5000"), crime=date(2010, 1, 1), applied=date(2019, 6, 1)),
        date(2019, 9, 1),
        ("5000.00",),
        absent=codes("deadline_passed"),
    ),
    Case(
        "FI a child at the crime: no confirmed extension, the finding says so",
        "minor",
        facts(
            "FI",
            material("FI", "5000"),
            crime=date(2015, 3, 1),
            judgment_date=date(2016, 1, 10),
            applied=date(2022, 3, 1),
            claimant_birth_date=date(2004, 1, 1),
        ),
        date(2022, 6, 1),
        ("5000.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "FI an amount finer than the cent is rounded half up",
        "rounding",
        facts("FI", material("FI", "100.005")),
        date(2024, 1, 10),
        ("100.01",),
    ),
    Case(
        "FI withheld earnings are not a statutory head",
        "withheld",
        facts("FI", withheld("FI", "12000")),
        date(2024, 1, 10),
        ("0.00",),
        codes("head_not_covered_by_statute"),
    ),
]

NO = [
    Case(
        "NO 60 G per person, G of 1 May 2023",
        "cap",
        facts("NO", material("NO", "8000000", MaterialLossKind.LOST_INCOME)),
        date(2024, 4, 30),
        ("7117200.00",),
        codes("cap_reached"),
    ),
    Case(
        "NO the same claim decided on 1 May 2024 takes the new G",
        "change",
        facts("NO", material("NO", "8000000", MaterialLossKind.LOST_INCOME)),
        date(2024, 5, 1),
        ("7441680.00",),
        codes("cap_reached"),
    ),
    Case(
        "NO the State pays up to the court's award",
        "cap",
        facts("NO", non_material("NO", "300000"), court_awarded=Decimal("250000")),
        date(2024, 1, 10),
        ("250000.00",),
        codes("cap_reached"),
    ),
    Case(
        "NO insurance cover is deducted",
        "deduction",
        facts(
            "NO", non_material("NO", "200000"), prior_payments=(paid("NO", "insurance", "50000"),)
        ),
        date(2024, 1, 10),
        ("150000.00",),
        codes("deduction_applied"),
    ),
    Case(
        "NO six months after the final judgment: passed",
        "deadline",
        facts(
            "NO",
            non_material("NO", "100000"),
            crime=date(2022, 6, 1),
            judgment_date=date(2023, 2, 1),
            applied=date(2023, 9, 1),
        ),
        date(2023, 10, 1),
        ("100000.00",),
        codes("deadline_passed"),
    ),
    Case(
        "NO the old law's age-21 rule does not apply under the 2023 law",
        "minor",
        facts(
            "NO",
            non_material("NO", "100000"),
            crime=date(2022, 6, 1),
            judgment_date=date(2023, 2, 1),
            applied=date(2023, 9, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2023, 10, 1),
        ("100000.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "NO case dropped: one year, in time",
        "deadline",
        facts(
            "NO",
            non_material("NO", "100000"),
            proceedings_end_date=date(2023, 3, 1),
            applied=date(2024, 2, 1),
        ),
        date(2024, 3, 1),
        ("100000.00",),
        absent=codes("deadline_passed", "deadline_not_running"),
    ),
    Case(
        "NO neither judgment nor dropped case: the limit has not started",
        "deadline",
        facts("NO", non_material("NO", "100000")),
        date(2023, 10, 1),
        ("100000.00",),
        codes("deadline_not_running"),
    ),
    Case(
        "NO an amount finer than the øre is rounded half up",
        "rounding",
        facts("NO", non_material("NO", "1000.005")),
        date(2023, 10, 1),
        ("1000.01",),
    ),
    Case(
        "NO withheld earnings are not a statutory head",
        "withheld",
        facts("NO", withheld("NO", "120000")),
        date(2023, 10, 1),
        ("0.00",),
        codes("head_not_covered_by_statute"),
    ),
]

DK_WITHHELD_FROM_2025 = with_fund_rule(
    "DK", "fund_covers_withheld_earnings", (date(2014, 11, 18), False), (date(2025, 1, 1), True)
)

DK = [
    Case(
        "DK no general cap is known: not capped, and the administrator is told",
        "cap",
        facts("DK", non_material("DK", "100000")),
        date(2023, 10, 1),
        ("100000.00",),
        codes("cap_unknown", "unverified_parameter"),
    ),
    Case(
        "DK offender payments are deducted (§ 7)",
        "deduction",
        facts(
            "DK", non_material("DK", "100000"), prior_payments=(paid("DK", "offender", "10000"),)
        ),
        date(2023, 10, 1),
        ("90000.00",),
        codes("deduction_applied"),
    ),
    Case(
        "DK two years from the crime: passed",
        "deadline",
        facts("DK", non_material("DK", "10000"), crime=date(2020, 1, 1), applied=date(2022, 3, 1)),
        date(2022, 6, 1),
        ("10000.00",),
        codes("deadline_passed"),
        message="særlige grunde",
    ),
    Case(
        "DK a final judgment restarts the two years",
        "deadline",
        facts(
            "DK",
            non_material("DK", "10000"),
            crime=date(2019, 1, 1),
            judgment_date=date(2021, 6, 1),
            applied=date(2023, 1, 1),
        ),
        date(2023, 3, 1),
        ("10000.00",),
        absent=codes("deadline_passed"),
    ),
    Case(
        "DK a child at the crime: only særlige grunde, the finding says so",
        "minor",
        facts(
            "DK",
            non_material("DK", "10000"),
            crime=date(2020, 1, 1),
            applied=date(2022, 3, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2022, 6, 1),
        ("10000.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "DK an amount finer than the øre is rounded half up",
        "rounding",
        facts("DK", non_material("DK", "10.005")),
        date(2023, 10, 1),
        ("10.01",),
    ),
    Case(
        "DK withheld earnings: no statutory head, no fund rule before 2025",
        "withheld",
        facts("DK", withheld("DK", "40000"), crime=date(2024, 3, 1), applied=date(2024, 9, 1)),
        date(2024, 12, 31),
        ("0.00",),
        codes("head_not_covered_by_statute"),
        policy=DK_WITHHELD_FROM_2025,
    ),
    Case(
        "DK the ministry's fund rule covers withheld earnings from 2025",
        "change",
        facts("DK", withheld("DK", "40000"), crime=date(2024, 3, 1), applied=date(2024, 9, 1)),
        date(2025, 1, 1),
        ("40000.00",),
        codes("head_covered_by_fund_rule"),
        codes("head_not_covered_by_statute"),
        policy=DK_WITHHELD_FROM_2025,
    ),
    Case(
        "DK above 75 000 DKK a second administrator must confirm",
        "second_approval",
        facts("DK", non_material("DK", "80000")),
        date(2023, 10, 1),
        ("80000.00",),
        codes("requires_second_approval"),
    ),
]

IS = [
    Case(
        "IS miski is capped at 3 000 000 ISK",
        "cap",
        facts("IS", non_material("IS", "4000000")),
        date(2023, 10, 1),
        ("3000000",),
        codes("cap_reached"),
    ),
    Case(
        "IS personal injury is capped at 5 000 000 ISK",
        "cap",
        facts("IS", material("IS", "6000000")),
        date(2023, 10, 1),
        ("5000000",),
        codes("cap_reached"),
    ),
    Case(
        "IS before lög 54/2012 no cap figure is known",
        "change",
        facts(
            "IS", non_material("IS", "4000000"), crime=date(2011, 9, 1), applied=date(2012, 3, 1)
        ),
        date(2012, 6, 30),
        ("4000000",),
        codes("cap_unknown"),
    ),
    Case(
        "IS from lög 54/2012 the miski cap applies",
        "change",
        facts(
            "IS", non_material("IS", "4000000"), crime=date(2011, 9, 1), applied=date(2012, 3, 1)
        ),
        date(2012, 7, 1),
        ("3000000",),
        codes("cap_reached"),
    ),
    Case(
        "IS insurance payments are deducted",
        "deduction",
        facts("IS", material("IS", "900000"), prior_payments=(paid("IS", "insurance", "250000"),)),
        date(2023, 10, 1),
        ("650000",),
        codes("deduction_applied"),
    ),
    Case(
        "IS whole krónur: half a króna rounds up",
        "rounding",
        facts("IS", non_material("IS", "1000.5"), material("IS", "1000.4")),
        date(2023, 10, 1),
        ("1001", "1000"),
    ),
    Case(
        "IS two years from the crime: passed",
        "deadline",
        facts("IS", non_material("IS", "500000"), crime=date(2020, 1, 1), applied=date(2022, 3, 1)),
        date(2022, 6, 1),
        ("500000",),
        codes("deadline_passed"),
    ),
    Case(
        "IS a child at the crime: age is weighed under art. 6",
        "minor",
        facts(
            "IS",
            non_material("IS", "500000"),
            crime=date(2020, 1, 1),
            applied=date(2022, 3, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2022, 6, 1),
        ("500000",),
        codes("deadline_passed"),
        message="age at the time",
    ),
    Case(
        "IS withheld earnings are not a statutory head",
        "withheld",
        facts("IS", withheld("IS", "1200000")),
        date(2023, 10, 1),
        ("0",),
        codes("head_not_covered_by_statute"),
    ),
]

EE = [
    Case(
        "EE 80 % of material damage, at most 9 590 EUR",
        "cap",
        facts("EE", material("EE", "20000")),
        date(2024, 1, 10),
        ("9590.00",),
        codes("cap_reached"),
    ),
    Case(
        "EE before the 2023 Act the cap figure is not known",
        "change",
        facts("EE", material("EE", "20000"), crime=date(2022, 1, 1), applied=date(2022, 6, 1)),
        date(2023, 3, 31),
        ("16000.00",),
        codes("cap_unknown"),
    ),
    Case(
        "EE from 1 Apr 2023 the 9 590 EUR cap applies",
        "change",
        facts("EE", material("EE", "20000"), crime=date(2022, 1, 1), applied=date(2022, 6, 1)),
        date(2023, 4, 1),
        ("9590.00",),
        codes("cap_reached"),
    ),
    Case(
        "EE 80 % of a figure in cents is rounded half up",
        "rounding",
        facts("EE", material("EE", "1000.01")),
        date(2024, 1, 10),
        ("800.01",),
    ),
    Case(
        "EE the offender's payment reduces the damage before the 80 %",
        "deduction",
        facts("EE", material("EE", "2000"), prior_payments=(paid("EE", "offender", "500"),)),
        date(2024, 1, 10),
        ("1200.00",),
        codes("deduction_applied"),
    ),
    Case(
        "EE pays no non-material damage",
        "coverage",
        facts("EE", non_material("EE", "5000")),
        date(2024, 1, 10),
        ("0.00",),
        codes("head_not_covered_by_statute"),
    ),
    Case(
        "EE three years from the crime: passed",
        "deadline",
        facts("EE", material("EE", "1000"), crime=date(2020, 1, 1), applied=date(2023, 3, 1)),
        date(2023, 6, 1),
        ("800.00",),
        codes("deadline_passed"),
    ),
    Case(
        "EE a child at the crime: no extension found, the finding says so",
        "minor",
        facts(
            "EE",
            material("EE", "1000"),
            crime=date(2020, 1, 1),
            applied=date(2023, 3, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2023, 6, 1),
        ("800.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "EE withheld earnings are not a statutory head",
        "withheld",
        facts("EE", withheld("EE", "3000")),
        date(2024, 1, 10),
        ("0.00",),
        codes("head_not_covered_by_statute"),
    ),
]

LV = [
    Case(
        "LV trafficking: 90 % of 5 minimum wages at recognition (2023: 620 EUR)",
        "cap",
        facts("LV", non_material("LV", "10000"), victim_recognition_date=date(2023, 6, 1)),
        date(2024, 3, 1),
        ("2790.00",),
        codes("cap_reached"),
    ),
    Case(
        "LV recognised in 2024: the 2024 minimum wage (700 EUR)",
        "change",
        facts("LV", non_material("LV", "10000"), victim_recognition_date=date(2024, 3, 1)),
        date(2024, 6, 1),
        ("3150.00",),
        codes("cap_reached"),
    ),
    Case(
        "LV the flat amount covers all heads: shown on the first",
        "cap",
        facts(
            "LV",
            non_material("LV", "1000"),
            material("LV", "500"),
            victim_recognition_date=date(2023, 6, 1),
        ),
        date(2024, 3, 1),
        ("2790.00", "0.00"),
        absent=codes("cap_reached"),
    ),
    Case(
        "LV the offender's payment is deducted from the flat amount",
        "deduction",
        facts(
            "LV",
            non_material("LV", "10000"),
            victim_recognition_date=date(2023, 6, 1),
            prior_payments=(paid("LV", "offender", "500"),),
        ),
        date(2024, 3, 1),
        ("2290.00",),
        codes("deduction_applied"),
    ),
    Case(
        "LV a deduction in fractions of a cent is rounded half up",
        "rounding",
        facts(
            "LV",
            non_material("LV", "10000"),
            victim_recognition_date=date(2023, 6, 1),
            prior_payments=(paid("LV", "offender", "100.005"),),
        ),
        date(2024, 3, 1),
        ("2690.00",),
    ),
    Case(
        "LV one year from recognition under the old rule: passed",
        "deadline",
        facts(
            "LV",
            non_material("LV", "10000"),
            crime=date(2019, 10, 1),
            victim_recognition_date=date(2020, 1, 1),
            applied=date(2022, 6, 1),
        ),
        date(2022, 9, 1),
        ("1935.00",),
        codes("deadline_passed"),
    ),
    Case(
        "LV three years from recognition after the 2023 amendment: in time",
        "change",
        facts(
            "LV",
            non_material("LV", "10000"),
            crime=date(2021, 10, 1),
            victim_recognition_date=date(2022, 1, 1),
            applied=date(2023, 3, 1),
        ),
        date(2023, 6, 1),
        ("2250.00",),
        absent=codes("deadline_passed"),
    ),
    Case(
        "LV a child at the crime: no extension found, the finding says so",
        "minor",
        facts(
            "LV",
            non_material("LV", "10000"),
            crime=date(2019, 10, 1),
            victim_recognition_date=date(2020, 1, 1),
            applied=date(2022, 6, 1),
            claimant_birth_date=BORN_2008,
        ),
        date(2022, 9, 1),
        ("1935.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "LV withheld earnings are not a statutory head",
        "withheld",
        facts(
            "LV",
            non_material("LV", "1000"),
            withheld("LV", "8000"),
            victim_recognition_date=date(2023, 6, 1),
        ),
        date(2024, 3, 1),
        ("2790.00", "0.00"),
        codes("head_not_covered_by_statute"),
    ),
]

LT = [
    Case(
        "LT compensation does not exceed the court's award",
        "cap",
        facts(
            "LT",
            non_material("LT", "20000"),
            court_awarded=Decimal("15000"),
            judgment_date=date(2023, 5, 1),
        ),
        date(2024, 1, 10),
        ("15000.00",),
        codes("cap_reached", "cap_unknown"),
    ),
    Case(
        "LT without a court award the administrator is told",
        "court_award",
        facts("LT", non_material("LT", "20000")),
        date(2024, 1, 10),
        ("20000.00",),
        codes("court_award_missing", "deadline_not_running"),
    ),
    Case(
        "LT an advance already paid is deducted after the limits",
        "deduction",
        facts(
            "LT",
            non_material("LT", "12000"),
            court_awarded=Decimal("10000"),
            judgment_date=date(2023, 5, 1),
            prior_payments=(paid("LT", "advance", "3000"),),
        ),
        date(2024, 1, 10),
        ("7000.00",),
        codes("deduction_applied", "cap_reached"),
    ),
    Case(
        "LT the offender's payment is deducted",
        "deduction",
        facts(
            "LT",
            material("LT", "10000"),
            court_awarded=Decimal("10000"),
            judgment_date=date(2023, 5, 1),
            prior_payments=(paid("LT", "offender", "1000"),),
        ),
        date(2024, 1, 10),
        ("9000.00",),
        codes("deduction_applied"),
    ),
    Case(
        "LT ten years from the judgment for applications before 1 Jul 2019",
        "change",
        facts(
            "LT",
            material("LT", "1000"),
            crime=date(2011, 1, 1),
            judgment_date=date(2012, 1, 1),
            applied=date(2019, 3, 1),
            court_awarded=Decimal("1000"),
        ),
        date(2019, 6, 1),
        ("1000.00",),
        absent=codes("deadline_passed"),
    ),
    Case(
        "LT five years from the judgment for applications from 1 Jul 2019",
        "deadline",
        facts(
            "LT",
            material("LT", "1000"),
            crime=date(2011, 1, 1),
            judgment_date=date(2012, 1, 1),
            applied=date(2019, 8, 1),
            court_awarded=Decimal("1000"),
        ),
        date(2019, 9, 1),
        ("1000.00",),
        codes("deadline_passed"),
    ),
    Case(
        "LT a child at the crime: no extension found, the finding says so",
        "minor",
        facts(
            "LT",
            material("LT", "1000"),
            crime=date(2011, 1, 1),
            judgment_date=date(2012, 1, 1),
            applied=date(2019, 8, 1),
            court_awarded=Decimal("1000"),
            claimant_birth_date=BORN_2008,
        ),
        date(2019, 9, 1),
        ("1000.00",),
        codes("deadline_passed"),
        message="was a child",
    ),
    Case(
        "LT an amount finer than the cent is rounded half up",
        "rounding",
        facts("LT", material("LT", "100.005"), court_awarded=Decimal("200")),
        date(2024, 1, 10),
        ("100.01",),
    ),
    Case(
        "LT withheld earnings are not a statutory head",
        "withheld",
        facts("LT", withheld("LT", "5000"), court_awarded=Decimal("5000")),
        date(2024, 1, 10),
        ("0.00",),
        codes("head_not_covered_by_statute"),
    ),
]

CASES = SE + FI + NO + DK + IS + EE + LV + LT


class TestAssessmentTable:
    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_proposal_and_findings(self, case: Case) -> None:
        policy = case.policy or POLICIES[case.country]
        assessment = policy.assess(case.facts, case.as_of)

        proposed = tuple(str(head.proposed) for head in assessment.heads)
        found = {finding.code for finding in assessment.findings}
        assert proposed == case.proposed
        assert case.findings <= found, assessment.findings
        assert not (case.absent & found), assessment.findings
        if case.message:
            assert any(case.message in f.message for f in assessment.findings), assessment.findings
        assert assessment.currency == policy.currency
        assert assessment.total_proposed == sum(Decimal(p) for p in case.proposed)


class TestTableCoversTheIssue:
    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_each_country_has_eight_cases_covering_every_required_behaviour(
        self, country: str
    ) -> None:
        rows = [case for case in CASES if case.country == country]
        assert len(rows) >= 8
        assert {case.covers for case in rows} >= REQUIRED
