"""The report's chart layout, without a server: bars follow the published figures only."""

from __future__ import annotations

from decimal import Decimal

from fundadmin.reports.render import Figure
from fundadmin.web import charts


def _flow(table: str, item: str, value: str | None) -> Figure:
    amount = None if value is None else Decimal(value)
    return Figure("SE", table, "2026-01-01/2026-12-31", "all", item, "amount", amount, "SEK")


def _month(month: str, item: str, value: str | None) -> Figure:
    amount = None if value is None else Decimal(value)
    return Figure("SE", "monthly", month, "", item, "amount", amount, "SEK")


class TestRanked:
    def test_the_largest_bar_fills_the_room_and_the_others_are_to_scale(self) -> None:
        chart = charts.ranked([("recovery", Decimal(25)), ("confiscation", Decimal(100))], "SEK")
        assert [b.label for b in chart.bars] == ["confiscation", "recovery"]
        room = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
        assert chart.bars[0].width == room
        assert chart.bars[1].width == room / 4
        assert chart.bars[1].y > chart.bars[0].y

    def test_a_withheld_figure_gets_no_bar_and_comes_last(self) -> None:
        chart = charts.ranked([("awards", None), ("return_assistance", Decimal(10))], "SEK")
        assert [b.label for b in chart.bars] == ["return_assistance", "awards"]
        assert chart.bars[1].value is None
        assert chart.bars[1].width == 0
        assert chart.withheld == 1

    def test_all_zero_draws_no_bar_and_does_not_divide_by_zero(self) -> None:
        chart = charts.ranked([("a", Decimal(0)), ("b", Decimal(0))], "SEK")
        assert [b.width for b in chart.bars] == [0, 0]


class TestReportCharts:
    def test_a_country_report_gets_in_out_and_monthly(self) -> None:
        figures = [
            _flow("money_in", "confiscation", "300"),
            _flow("money_out", "awards", "100"),
            _month("2026-01", "in:confiscation", "200"),
            _month("2026-01", "out:awards", "100"),
            _month("2026-02", "in:confiscation", "100"),
            _month("2026-02", "out:awards", "0"),
        ]
        shown = charts.report_charts(figures)
        assert shown is not None
        assert [b.value for b in shown.money_in.bars] == [Decimal(300)]
        assert shown.monthly is not None
        january, february = shown.monthly.columns
        assert january.label == "2026-01"
        assert january.bars[0].height == charts.COLUMN_AREA_HEIGHT
        assert january.bars[1].height == charts.COLUMN_AREA_HEIGHT / 2
        assert february.bars[1].height == 0

    def test_a_month_with_a_withheld_part_shows_only_its_published_parts(self) -> None:
        figures = [
            _flow("money_in", "confiscation", "300"),
            _month("2026-03", "out:awards", None),
            _month("2026-03", "out:return_assistance", "50"),
            _month("2026-03", "in:confiscation", "300"),
        ]
        shown = charts.report_charts(figures)
        assert shown is not None
        assert shown.monthly is not None
        (march,) = shown.monthly.columns
        assert march.bars[0].value == Decimal(300)
        assert not march.bars[0].partial
        assert march.bars[1].value == Decimal(50), "the published part only"
        assert march.bars[1].partial
        assert shown.monthly.withheld == 1

    def test_a_month_wholly_withheld_has_no_bar(self) -> None:
        figures = [_flow("money_in", "confiscation", "1"), _month("2026-04", "in:recovery", None)]
        shown = charts.report_charts(figures)
        assert shown is not None
        assert shown.monthly is not None
        (april,) = shown.monthly.columns
        assert april.bars[0].value is None
        assert not april.bars[0].partial

    def test_the_regional_report_charts_euro_flows_without_months(self) -> None:
        period = "2026-01-01/2026-12-31"
        figures = [
            Figure("ALL", "eur", period, "", "in:confiscation", "amount", Decimal(9), "EUR"),
            Figure("ALL", "eur", period, "", "out:awards", "amount", None, "EUR"),
            Figure("ALL", "eur", period, "SE/fund/victims", "in", "amount", Decimal(9), "EUR"),
        ]
        shown = charts.report_charts(figures)
        assert shown is not None
        assert shown.monthly is None
        assert [(b.label, b.value) for b in shown.money_out.bars] == [("awards", None)]
        assert shown.money_in.unit == "EUR"

    def test_no_flows_no_charts(self) -> None:
        assert charts.report_charts([]) is None
