"""Chart geometry for the reports: numbers in, boxes and points out.

The templates draw these as inline SVG (``templates/_charts.html.j2``); every label goes through
Jinja2's autoescaping there. Nothing here produces markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FLOW_KINDS = (
    ("silver", "silver_rows"),
    ("quarantine", "quarantine_rows"),
    ("duplicates", "duplicate_rows"),
)
MIN_VISIBLE_WIDTH = 3.0


@dataclass(frozen=True)
class Bar:
    """One rectangle with its label and value (``kind`` picks the colour in CSS)."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    kind: str


@dataclass(frozen=True)
class FlowRow:
    """One entity of the row-flow chart: bronze rows split into where they went."""

    entity: str
    bronze_rows: int
    y: float
    segments: tuple[Bar, ...]


@dataclass(frozen=True)
class FlowChart:
    """Bronze -> silver / quarantine / duplicates per entity, as 100% stacked bars."""

    width: float
    height: float
    label_width: float
    bar_width: float
    row_height: float
    rows: tuple[FlowRow, ...]
    legend: tuple[str, ...] = tuple(kind for kind, _ in FLOW_KINDS)


def _widths(values: Sequence[int], total_width: float) -> list[float]:
    """Proportional widths; a non-zero value stays visible, taken from the widest segment."""
    total = sum(values)
    if total <= 0:
        return [0.0 for _ in values]
    widths = [total_width * value / total for value in values]
    for index, value in enumerate(values):
        if value > 0 and widths[index] < MIN_VISIBLE_WIDTH:
            widest = max(range(len(widths)), key=widths.__getitem__)
            widths[widest] -= MIN_VISIBLE_WIDTH - widths[index]
            widths[index] = MIN_VISIBLE_WIDTH
    return widths


def row_flow(reconciliation: Sequence[dict[str, Any]]) -> FlowChart:
    """The row-flow chart of a record's ``reconciliation`` entries."""
    label_width, bar_width, row_height, bar_height, top = 150.0, 480.0, 44.0, 24.0, 8.0
    rows = []
    for index, entry in enumerate(reconciliation):
        y = top + index * row_height
        values = [int(entry[key]) for _, key in FLOW_KINDS]
        x = label_width
        segments = []
        for (kind, _), value, width in zip(
            FLOW_KINDS, values, _widths(values, bar_width), strict=True
        ):
            segments.append(Bar(kind, value, x, y, width, bar_height, kind))
            x += width
        rows.append(FlowRow(str(entry["entity"]), int(entry["bronze_rows"]), y, tuple(segments)))
    height = top * 2 + row_height * max(len(rows), 1)
    return FlowChart(
        label_width + bar_width + 10, height, label_width, bar_width, row_height, tuple(rows)
    )


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars with a label on the left and the value on the right."""

    width: float
    height: float
    label_width: float
    bars: tuple[Bar, ...]
    unit: str


def timings(nodes: Sequence[dict[str, Any]], limit: int = 15) -> BarChart:
    """The slowest models, snapshots and seeds of a record's dbt nodes."""
    built = [n for n in nodes if n["resource_type"] in {"model", "snapshot", "seed"}]
    slowest = sorted(built, key=lambda n: (-float(n["seconds"]), n["name"]))[:limit]
    label_width, bar_width, row_height, bar_height = 260.0, 380.0, 22.0, 16.0
    longest = max((float(n["seconds"]) for n in slowest), default=0.0) or 1.0
    bars = tuple(
        Bar(
            str(node["name"]),
            float(node["seconds"]),
            label_width,
            4 + index * row_height,
            max(bar_width * float(node["seconds"]) / longest, 1.0),
            bar_height,
            str(node["status"]).replace(" ", "-"),
        )
        for index, node in enumerate(slowest)
    )
    height = 8 + row_height * max(len(bars), 1)
    return BarChart(label_width + bar_width + 70, height, label_width, bars, "s")


@dataclass(frozen=True)
class Point:
    """A point of a line chart."""

    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class TrendChart:
    """Runs oldest to newest: duration bars (coloured by status) and the quarantine-rate line."""

    width: float
    height: float
    plot_top: float
    plot_bottom: float
    bars: tuple[Bar, ...]
    points: tuple[Point, ...]
    max_seconds: float
    max_rate: float

    @property
    def polyline(self) -> str:
        """The points as an SVG ``points`` attribute (numbers only)."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def trend(runs: Sequence[dict[str, Any]], limit: int = 30) -> TrendChart:
    """The trend chart of index entries (newest first, as the index lists them)."""
    chosen = list(reversed(runs[:limit]))
    width, height, left, plot_top, plot_bottom = 760.0, 220.0, 50.0, 16.0, 190.0
    plot_height = plot_bottom - plot_top
    step = (width - left - 50) / max(len(chosen), 1)
    max_seconds = max((float(r["duration_seconds"]) for r in chosen), default=0.0) or 1.0
    max_rate = max((float(r["quarantine_rate"]) for r in chosen), default=0.0) or 0.01
    bars = []
    points = []
    for index, run in enumerate(chosen):
        x = left + index * step
        seconds = float(run["duration_seconds"])
        bar_height = plot_height * seconds / max_seconds
        bars.append(
            Bar(
                str(run["run_id"]),
                seconds,
                x + step * 0.15,
                plot_bottom - bar_height,
                step * 0.7,
                bar_height,
                str(run["status"]),
            )
        )
        rate = float(run["quarantine_rate"])
        points.append(
            Point(
                str(run["run_id"]), rate, x + step / 2, plot_bottom - plot_height * rate / max_rate
            )
        )
    return TrendChart(
        width, height, plot_top, plot_bottom, tuple(bars), tuple(points), max_seconds, max_rate
    )
