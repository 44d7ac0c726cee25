"""Chart geometry for server-rendered SVG: pure functions from numbers to shapes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

PALETTE_SIZE = 8


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    """Stacked columns over days; `table` carries the same numbers for screen readers."""

    width: int
    height: int
    plot_left: float
    plot_bottom: float
    plot_right: float
    rects: list[Rect]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[tuple[int, str]]
    table_head: list[str]
    table_rows: list[list[str]]
    total: int


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    y: float
    width: float
    series: int


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per label, scaled to the largest value (or to `maximum`)."""

    width: int
    height: int
    label_width: int
    track_width: float
    bar_height: int
    bars: list[Bar] = field(default_factory=list)


def day_range(end: date, days: int) -> list[date]:
    """The `days` calendar days ending with `end`, oldest first."""
    return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def axis_scale(peak: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis (maximum, step) covering `peak` in about `ticks` steps of 1, 2 or 5 x 10^k.

    Counts never get fractional steps: the smallest step is 1.
    """
    if peak <= 0:
        return 1, 1
    raw = peak / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next((m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude), 10 * magnitude)
    step = max(step, 1)
    return step * math.ceil(peak / step), step


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def stacked_columns(
    days: Sequence[date],
    series: Mapping[str, Mapping[date, int]],
    *,
    width: int = 480,
    height: int = 220,
    unit: str = "",
) -> ColumnChart:
    """One column per day, stacked by series; series keep a stable colour by sorted name."""
    left, right, top, bottom = 44.0, 8.0, 12.0, 28.0
    plot_w, plot_h = width - left - right, height - top - bottom
    names = sorted(series)
    totals = [sum(series[n].get(d, 0) for n in names) for d in days]
    y_max, y_step = axis_scale(max(totals, default=0))
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1.0)
    rects: list[Rect] = []
    for i, day in enumerate(days):
        base = 0
        for s, name in enumerate(names):
            value = series[name].get(day, 0)
            if value <= 0:
                continue
            y_top = top + plot_h * (1 - (base + value) / y_max)
            h = plot_h * value / y_max
            rects.append(
                Rect(
                    x=round(left + i * slot + (slot - bar_w) / 2, 2),
                    y=round(y_top, 2),
                    width=round(bar_w, 2),
                    height=round(h, 2),
                    series=s % PALETTE_SIZE,
                    title=f"{day.isoformat()} · {name}: {value}{unit}",
                )
            )
            base += value
    y_ticks = [
        Tick(round(top + plot_h * (1 - k * y_step / y_max), 2), _fmt(k * y_step))
        for k in range(round(y_max / y_step) + 1)
    ]
    every = max(1, math.ceil(len(days) / 7))
    x_ticks = [
        Tick(round(left + i * slot + slot / 2, 2), day.strftime("%d %b"))
        for i, day in enumerate(days)
        if (len(days) - 1 - i) % every == 0
    ]
    rows = [
        [day.isoformat(), *(str(series[n].get(day, 0)) for n in names), str(totals[i])]
        for i, day in enumerate(days)
    ]
    return ColumnChart(
        width=width,
        height=height,
        plot_left=left,
        plot_bottom=top + plot_h,
        plot_right=width - right,
        rects=rects,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=[(s % PALETTE_SIZE, n) for s, n in enumerate(names)],
        table_head=["Day", *names, "Total"],
        table_rows=rows,
        total=sum(totals),
    )


def horizontal_bars(
    values: Sequence[tuple[str, float]],
    *,
    width: int = 480,
    maximum: float | None = None,
    unit: str = "",
    label_width: int = 110,
    bar_height: int = 22,
) -> BarChart:
    """Labelled bars; `maximum` fixes the scale (100 for percentages)."""
    gap = 8
    scale = maximum if maximum is not None else max((v for _, v in values), default=0)
    plot_w = width - label_width - 70
    bars = [
        Bar(
            label=label,
            value=value,
            display=f"{_fmt(round(value, 1))}{unit}",
            y=i * (bar_height + gap),
            width=round(plot_w * value / scale, 2) if scale > 0 else 0,
            series=i % PALETTE_SIZE,
        )
        for i, (label, value) in enumerate(values)
    ]
    height = max(len(bars) * (bar_height + gap), bar_height)
    return BarChart(
        width=width,
        height=height,
        label_width=label_width,
        track_width=plot_w,
        bar_height=bar_height,
        bars=bars,
    )
