"""The vitals chart of the PDF report, drawn as vector graphics. Pure: no I/O.

Phase bands behind, one line per vital (each with its own dash pattern and marker, so the chart
reads in black and white), alert markers on top, numbered like the alerts table.
"""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from app.exports.schemas import SessionRecord

FONT, BOLD = "Vera", "VeraBd"
Y_MAX = 220.0
PHASE_FILL = {
    "pre_infusion": colors.Color(0.93, 0.93, 0.93),
    "infusion": colors.Color(0.86, 0.92, 1.0),
    "paused": colors.Color(1.0, 0.96, 0.82),
    "recovery": colors.Color(0.88, 0.97, 0.88),
}
PHASE_LABEL = {
    "pre_infusion": "pre-infusion",
    "infusion": "infusion",
    "paused": "paused",
    "recovery": "recovery",
}
# (field, label, colour, dash pattern, marker)
SERIES = (
    ("heart_rate", "HR /min", colors.red, None, "circle"),
    ("systolic", "SBP mmHg", colors.blue, None, "up"),
    ("diastolic", "DBP mmHg", colors.blue, (4, 2), "down"),
    ("spo2", "SpO2 %", colors.darkgreen, (6, 2, 1, 2), "square"),
    ("respiratory_rate", "RR /min", colors.purple, (1, 2), "diamond"),
)
PRIORITY_COLOUR = {"high": colors.red, "medium": colors.orange, "low": colors.grey}


def _span(record: SessionRecord) -> tuple[datetime, datetime]:
    s = record.session
    moments = [s.created_at, *(r.taken_at for r in record.readings)]
    moments += [p.at for p in s.phase_history] + [a.raised_at for a in record.alerts]
    start, end = min(moments), max(moments)
    return start, max(end, start + timedelta(minutes=10))


MAX_TICKS = 10


def _tick_minutes(span: timedelta) -> int:
    """At most MAX_TICKS ticks, whatever the data: a reading dated centuries away (amended
    before amendments were checked, say) must not make a tick per eight hours of them."""
    minutes = span.total_seconds() / 60
    for step in (5, 10, 15, 30, 60, 120, 240, 480):
        if minutes / step <= MAX_TICKS:
            return step
    return 1440 * math.ceil(minutes / MAX_TICKS / 1440)


def _marker(kind: str, x: float, y: float, colour: colors.Color) -> Polygon | Rect:
    r = 2.2
    points = {
        "up": [x - r, y - r, x + r, y - r, x, y + r],
        "down": [x - r, y + r, x + r, y + r, x, y - r],
        "diamond": [x - r, y, x, y + r, x + r, y, x, y - r],
        "circle": [
            x - r,
            y,
            x - r * 0.7,
            y + r * 0.7,
            x,
            y + r,
            x + r * 0.7,
            y + r * 0.7,
            x + r,
            y,
            x + r * 0.7,
            y - r * 0.7,
            x,
            y - r,
            x - r * 0.7,
            y - r * 0.7,
        ],
    }
    if kind == "square":
        return Rect(x - r, y - r, 2 * r, 2 * r, fillColor=colour, strokeColor=colour)
    return Polygon(points[kind], fillColor=colour, strokeColor=colour, strokeWidth=0.5)


def vitals_chart(record: SessionRecord, width: float, height: float = 230) -> Drawing:
    left, right, top, bottom = 34.0, 8.0, 22.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    start, end = _span(record)
    seconds = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        return left + plot_w * (moment - start).total_seconds() / seconds

    def y_of(value: float) -> float:
        return bottom + plot_h * min(max(value, 0.0), Y_MAX) / Y_MAX

    d = Drawing(width, height)
    history = record.session.phase_history
    for i, change in enumerate(history):
        if change.to_phase not in PHASE_FILL:
            continue
        until = history[i + 1].at if i + 1 < len(history) else end
        x0, x1 = x_of(change.at), x_of(until)
        d.add(
            Rect(
                x0,
                bottom,
                max(x1 - x0, 0.5),
                plot_h,
                fillColor=PHASE_FILL[change.to_phase],
                strokeColor=None,
            )
        )
        d.add(
            String(
                x0 + 2,
                bottom + plot_h - 9,
                PHASE_LABEL[change.to_phase],
                fontName=FONT,
                fontSize=6.5,
                fillColor=colors.dimgrey,
            )
        )
    for value in range(0, int(Y_MAX) + 1, 20):
        y = y_of(value)
        d.add(Line(left, y, left + plot_w, y, strokeColor=colors.lightgrey, strokeWidth=0.3))
        if value % 40 == 0:
            d.add(
                String(left - 3, y - 2.5, str(value), fontName=FONT, fontSize=6.5, textAnchor="end")
            )
    step = timedelta(minutes=_tick_minutes(end - start))
    minute = (
        start.minute - start.minute % int(step.total_seconds() // 60)
        if step < timedelta(hours=1)
        else 0
    )
    tick = start.replace(minute=minute, second=0, microsecond=0)
    while tick <= end:
        if tick >= start:
            x = x_of(tick)
            d.add(Line(x, bottom, x, bottom - 3, strokeWidth=0.5))
            d.add(
                String(
                    x,
                    bottom - 11,
                    tick.strftime("%H:%M" if step < timedelta(days=1) else "%d %b %Y"),
                    fontName=FONT,
                    fontSize=6.5,
                    textAnchor="middle",
                )
            )
        tick += step
    d.add(
        Rect(
            left, bottom, plot_w, plot_h, fillColor=None, strokeColor=colors.black, strokeWidth=0.6
        )
    )

    current = [r for r in record.readings if r.status == "final"]
    for field, _label, colour, dash, marker in SERIES:
        points = [
            (x_of(r.taken_at), y_of(float(v)))
            for r in current
            if (v := getattr(r, field)) is not None
        ]
        if len(points) > 1:
            flat: list[float] = [c for p in points for c in p]
            d.add(PolyLine(flat, strokeColor=colour, strokeWidth=1, strokeDashArray=dash))
        for x, y in points:
            d.add(_marker(marker, x, y, colour))

    # An alert sits at the clinical time of the reading that raised it, on the same axis as the
    # lines; the server's raised_at may be later (a tablet's outbox catching up).
    taken = {r.id: r.taken_at for r in record.readings}
    # Alerts raised by one reading share one marker, labelled "1H 2M", in the worst colour.
    marks: dict[int, list[tuple[int, str]]] = {}
    for number, alert in enumerate(record.alerts, start=1):
        x = x_of(taken.get(alert.first_reading_id or alert.id, alert.raised_at))
        marks.setdefault(round(x), []).append((number, alert.priority))
    for x_key, group in marks.items():
        x = float(x_key)
        worst = min((p for _n, p in group), key=list(PRIORITY_COLOUR).index)
        colour = PRIORITY_COLOUR[worst]
        d.add(
            Line(
                x,
                bottom,
                x,
                bottom + plot_h,
                strokeColor=colour,
                strokeWidth=0.6,
                strokeDashArray=(2, 2),
            )
        )
        y = bottom + plot_h + 2
        d.add(Polygon([x - 4, y + 8, x + 4, y + 8, x, y], fillColor=colour, strokeColor=colour))
        label = " ".join(f"{n}{p[0].upper()}" for n, p in group)
        d.add(String(x, y + 10, label, fontName=BOLD, fontSize=6, textAnchor="middle"))

    _legend(d, SERIES, left, 8)
    return d


def _legend(
    d: Drawing, series: Sequence[tuple[str, str, colors.Color, object, str]], x: float, y: float
) -> None:
    for _field, label, colour, dash, marker in series:
        d.add(
            Line(x, y + 2, x + 16, y + 2, strokeColor=colour, strokeWidth=1, strokeDashArray=dash)
        )
        d.add(_marker(marker, x + 8, y + 2, colour))
        d.add(String(x + 19, y, label, fontName=FONT, fontSize=6.5))
        x += 60
    d.add(Polygon([x, y + 6, x + 7, y + 6, x + 3.5, y], fillColor=colors.red, strokeColor=None))
    d.add(String(x + 10, y, "alert: number + H/M/L priority", fontName=FONT, fontSize=6.5))
