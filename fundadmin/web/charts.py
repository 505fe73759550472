"""The allocation report's charts, laid out for inline SVG: money in by source, out by purpose,
and in and out per month.

Pure layout: the published figures in (render.figures, so a withheld figure is already None and
no chart can show what the tables withhold), bars with their coordinates out. The template
draws them (report_charts.html) with a title, a description and a link to the table that holds
the same figures, so the chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from fundadmin.reports.render import Figure
from ledger.schemas import money

WIDTH = 640
"""Width of every chart's drawing, in SVG user units (it scales with the page)."""
LABEL_WIDTH = 170
"""Room left of a horizontal bar for its label, and right of it for its value."""
VALUE_WIDTH = 150
BAR_HEIGHT = 24
BAR_GAP = 10
COLUMN_AREA_HEIGHT = 200
"""Height of the monthly chart's plotting area."""
AXIS_ROOM = 30
"""Room under the monthly columns for the month labels."""
TOP_ROOM = 30
"""Room above the monthly columns for the scale's top amount."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    """The source, purpose or series the bar stands for (a report item such as `confiscation`)."""
    value: Decimal | None
    """The published amount; None where the report withholds it (no bar is drawn)."""
    x: float
    y: float
    width: float
    height: float
    partial: bool = False
    """Some parts of this amount are withheld: the bar shows the published parts only, so the
    true amount is at least this (their total would give the withheld parts away)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One month: its label, where the label goes, and a bar for money in and one for out."""

    label: str
    x: float
    bars: tuple[Bar, Bar]


@dataclass(frozen=True, slots=True)
class RankedChart:
    """Horizontal bars, largest first."""

    bars: list[Bar]
    unit: str
    height: float

    @property
    def withheld(self) -> int:
        return sum(1 for b in self.bars if b.value is None)


@dataclass(frozen=True, slots=True)
class MonthlyChart:
    """A pair of columns a month: money in, then money out."""

    columns: list[Column]
    unit: str
    height: float
    top: Decimal
    """The amount the plotting area's top stands for."""
    baseline: float = TOP_ROOM + COLUMN_AREA_HEIGHT
    """Where the columns stand."""

    @property
    def withheld(self) -> int:
        """Bars with a withheld part (or wholly withheld)."""
        return sum(1 for c in self.columns for b in c.bars if b.value is None or b.partial)


@dataclass(frozen=True, slots=True)
class ReportCharts:
    money_in: RankedChart
    money_out: RankedChart
    monthly: MonthlyChart | None
    """None for the regional report, which has no months in one currency."""


def _length(value: Decimal | None, top: Decimal, room: float) -> float:
    if value is None or value <= 0 or top <= 0:
        return 0.0
    return round(float(value / top) * room, 1)


def ranked(items: Iterable[tuple[str, Decimal | None]], unit: str) -> RankedChart:
    """Bars for `items` (label, amount), largest first, withheld ones last."""
    ordered = sorted(items, key=lambda i: (i[1] is None, -(i[1] or 0), i[0]))
    top = max((v for _, v in ordered if v is not None), default=Decimal(0))
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(
            label,
            value,
            x=LABEL_WIDTH,
            y=BAR_GAP + row * (BAR_HEIGHT + BAR_GAP),
            width=_length(value, top, room),
            height=BAR_HEIGHT,
        )
        for row, (label, value) in enumerate(ordered)
    ]
    return RankedChart(bars, unit, height=BAR_GAP + len(bars) * (BAR_HEIGHT + BAR_GAP))


@dataclass(frozen=True, slots=True)
class Parts:
    """A month's money in (or out): the total of its published parts, and whether some are
    withheld. Never the true total when a part is withheld: with the published parts it would
    give the withheld one away."""

    published: Decimal | None
    """None when every part is withheld."""
    partial: bool


def _parts(values: list[Decimal | None]) -> Parts:
    shown = [v for v in values if v is not None]
    return Parts(sum(shown, Decimal(0)) if shown else None, len(shown) < len(values))


def monthly(months: list[tuple[str, Parts, Parts]], unit: str) -> MonthlyChart:
    """A column pair per (month, money in, money out)."""
    top = max(
        (p.published for _, *pair in months for p in pair if p.published is not None),
        default=Decimal(0),
    )
    slot = (WIDTH - 20) / max(len(months), 1)
    bar_width = min(28.0, slot * 0.4)
    columns = []
    for index, (label, money_in, money_out) in enumerate(months):
        left = 20 + index * slot + (slot - 2 * bar_width) / 2
        pair = []
        for offset, (series, parts) in enumerate((("in", money_in), ("out", money_out))):
            height = _length(parts.published, top, COLUMN_AREA_HEIGHT)
            pair.append(
                Bar(
                    series,
                    parts.published,
                    x=round(left + offset * bar_width, 1),
                    y=round(TOP_ROOM + COLUMN_AREA_HEIGHT - height, 1),
                    width=round(bar_width, 1),
                    height=height,
                    partial=parts.partial and parts.published is not None,
                )
            )
        columns.append(Column(label, round(20 + index * slot + slot / 2, 1), (pair[0], pair[1])))
    return MonthlyChart(columns, unit, height=TOP_ROOM + COLUMN_AREA_HEIGHT + AXIS_ROOM, top=top)


def _amount(figure: Figure) -> Decimal | None:
    """The figure at its currency's precision, as the report's tables and files give it."""
    return None if figure.value is None else Decimal(money(Decimal(figure.value), figure.unit))


def report_charts(figures: list[Figure]) -> ReportCharts | None:
    """The three charts of a country's report (two of the regional one, in euro); None when
    the figures hold no money flows."""
    regional = [f for f in figures if f.table == "eur" and f.item.startswith(("in:", "out:"))]
    if regional:
        euro = {
            direction: [
                (f.item.split(":", 1)[1], _amount(f))
                for f in regional
                if f.item.startswith(f"{direction}:") and f.fund == ""
            ]
            for direction in ("in", "out")
        }
        return ReportCharts(ranked(euro["in"], "EUR"), ranked(euro["out"], "EUR"), None)
    country = [f for f in figures if f.table in ("money_in", "money_out") and f.fund == "all"]
    if not country:
        return None
    flows = {
        direction: [(f.item, _amount(f)) for f in country if f.table == f"money_{direction}"]
        for direction in ("in", "out")
    }
    by_month: dict[str, dict[str, list[Decimal | None]]] = {}
    for f in figures:
        if f.table == "monthly" and f.item.startswith(("in:", "out:")):
            series = by_month.setdefault(f.period, {"in": [], "out": []})
            series[f.item.split(":")[0]].append(_amount(f))
    months = [(m, _parts(s["in"]), _parts(s["out"])) for m, s in sorted(by_month.items())]
    unit = country[0].unit
    return ReportCharts(
        ranked(flows["in"], unit),
        ranked(flows["out"], unit),
        monthly(months, unit) if months else None,
    )
