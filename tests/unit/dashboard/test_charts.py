"""Chart geometry: scaling, stacking and the accessible table beside each chart."""

from datetime import date

from app.dashboard.charts import axis_scale, day_range, horizontal_bars, stacked_columns


def test_axis_scale_uses_whole_round_steps():
    assert [axis_scale(v) for v in (0, 1, 3, 7, 18, 240, 2600)] == [
        (1, 1),
        (1, 1),
        (3, 1),
        (8, 2),
        (20, 5),
        (300, 100),
        (3000, 1000),
    ]


def test_day_range_ends_today_oldest_first():
    days = day_range(date(2026, 3, 2), 3)
    assert days == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]


def test_stacked_columns_stack_series_and_scale_to_the_tallest_day():
    days = day_range(date(2026, 1, 3), 3)
    chart = stacked_columns(
        days,
        {"ebl": {days[0]: 2, days[2]: 6}, "invoice": {days[2]: 4}},
        width=300,
        height=200,
    )
    assert chart.total == 12
    tallest = [r for r in chart.rects if "2026-01-03" in r.title]
    assert len(tallest) == 2
    # the two segments of the 10-document day fill the whole plot height
    plot_height = chart.plot_bottom - chart.y_ticks[-1].position
    assert abs(sum(r.height for r in tallest) - plot_height) < 0.01
    assert min(r.y for r in tallest) == chart.y_ticks[-1].position
    assert chart.table_head == ["Day", "ebl", "invoice", "Total"]
    assert chart.table_rows[2] == ["2026-01-03", "6", "4", "10"]
    assert chart.legend == [(0, "ebl"), (1, "invoice")]


def test_axis_ticks_are_whole_counts():
    days = day_range(date(2026, 1, 3), 2)
    assert [t.label for t in stacked_columns(days, {"a": {days[1]: 1}}).y_ticks] == ["0", "1"]
    assert [t.label for t in stacked_columns(days, {"a": {days[1]: 7}}).y_ticks] == [
        "0",
        "2",
        "4",
        "6",
        "8",
    ]


def test_empty_chart_has_no_shapes_and_a_unit_axis():
    chart = stacked_columns(day_range(date(2026, 1, 3), 7), {})
    assert chart.rects == [] and chart.total == 0
    assert chart.y_ticks[-1].label == "1"


def test_horizontal_bars_scale_to_a_fixed_maximum_for_percentages():
    chart = horizontal_bars(
        [("webhook", 50.0), ("folder", 100.0)], maximum=100, unit="%", width=400
    )
    half, full = chart.bars
    assert full.width == 2 * half.width
    assert half.display == "50%"


def test_horizontal_bars_without_values_are_empty():
    assert horizontal_bars([]).bars == []
