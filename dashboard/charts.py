"""Chart geometry for server-rendered SVG: the page draws its charts with no script and no
internet (templates/dashboard/_bars.html and _columns.html turn these numbers into SVG).

A hidden small cell ("<5") is drawn grey with a dashed outline up to 5, the most it can be, so
the chart never tells more than the table.
"""

import datetime
import math

from django.utils import dateformat

from .queries import HIDDEN, SMALL_CELL, is_hidden

# Sizes in SVG units; a viewBox about 420 wide stays readable when a phone scales it down.
LABEL_WIDTH = 125  # room for a kecamatan or desa name
LABEL_CHARS = 15  # longer names are shortened in the chart (the table has them whole)
BAR_AREA = 190
GROUP_BAR_AREA = 150
VALUE_WIDTH = 60
ROW_HEIGHT = 26
COLUMN_AREA_HEIGHT = 150
COLUMN_TOP = 20  # room for the value above the highest column
MONTH_LABEL_WIDTH = 44  # "Agu 25" at 12px
COLUMNS_MIN_WIDTH = 420  # a few months keep slim columns instead of being blown up


def _amount(value) -> int:
    return SMALL_CELL if is_hidden(value) else int(value or 0)


def _scale(values, minimum=SMALL_CELL):
    return max([minimum, *values])


def draw_bars(rows, *, value="covered", label="name", target=None, href=None, bar_area=BAR_AREA):
    """A horizontal bar chart: one bar per row, optional target tick, low rows highlighted.

    ``href(row)`` makes a bar a link (a kecamatan opens its desa); ``bar_area`` is narrower for
    the charts that sit three in a row.
    """
    amounts = [_amount(row[value]) for row in rows]
    targets = [row.get(target) or 0 for row in rows] if target else [0] * len(rows)
    top = _scale(amounts + targets)
    items = []
    for index, (row, amount, target_value) in enumerate(zip(rows, amounts, targets)):
        y = index * ROW_HEIGHT
        width = round(bar_area * amount / top, 1)
        name = row[label]
        items.append(
            {
                "label": name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…",
                "name": name,
                "text": HIDDEN if is_hidden(row[value]) else f"{amount:,}".replace(",", "."),
                "y": y,
                "bar_y": y + 4,
                "text_y": y + 17,
                "width": width,
                "value_x": LABEL_WIDTH + width + 5,
                "target_x": round(LABEL_WIDTH + bar_area * target_value / top, 1) if target_value else None,
                "target_y2": y + ROW_HEIGHT,
                "hidden": is_hidden(row[value]),
                "low": row.get("low", False),
                "href": href(row) if href else "",
            }
        )
    return {
        "width": LABEL_WIDTH + bar_area + VALUE_WIDTH,
        "height": max(len(rows), 1) * ROW_HEIGHT + 4,
        "label_x": LABEL_WIDTH - 6,
        "bar_x": LABEL_WIDTH,
        "bar_height": ROW_HEIGHT - 8,
        "items": items,
        "has_target": any(targets),
    }


def draw_columns(rows, *, value):
    """A column chart over months (rows carry "month" as YYYY-MM), labels every few months."""
    amounts = [_amount(row[value]) for row in rows]
    top = _scale(amounts)
    slot = 48 if len(rows) <= 9 else 34 if len(rows) <= 18 else 22  # a label per month while they fit
    step = max(math.ceil(MONTH_LABEL_WIDTH / slot), math.ceil(len(rows) / 12))  # labels never overlap
    items = []
    for index, (row, amount) in enumerate(zip(rows, amounts)):
        height = round(COLUMN_AREA_HEIGHT * amount / top, 1)
        year, month = (int(part) for part in row["month"].split("-"))
        first = datetime.date(year, month, 1)
        items.append(
            {
                "x": 40 + index * slot,
                "y": COLUMN_TOP + COLUMN_AREA_HEIGHT - height,
                "width": slot - 6,
                "height": height,
                "text": HIDDEN if is_hidden(row[value]) else f"{amount:,}".replace(",", "."),
                "hidden": is_hidden(row[value]),
                "label": dateformat.format(first, "M y") if index % step == 0 else "",
                "name": dateformat.format(first, "F Y"),
                "month": row["month"],
                "center": 40 + index * slot + (slot - 6) / 2,
                "text_y": COLUMN_TOP + COLUMN_AREA_HEIGHT - height - 4,
            }
        )
    return {
        "width": max(COLUMNS_MIN_WIDTH, 40 + len(rows) * slot + 10),
        "height": COLUMN_TOP + COLUMN_AREA_HEIGHT + 24,
        "base_y": COLUMN_TOP + COLUMN_AREA_HEIGHT,
        "scale_y": COLUMN_TOP + 10,
        "label_y": COLUMN_TOP + COLUMN_AREA_HEIGHT + 17,
        "top": top,
        "show_values": slot >= 34,  # narrower columns leave the numbers to the table and tooltips
        "items": items,
    }


def draw_dashboard_charts(data: dict) -> dict:
    """The page's charts from the same figures as its tables (and the JSON API).

    A kecamatan row's "href" (set by the view) makes its bar a link to its desa.
    """
    regions, groups = data["regions"], data["groups"]
    # The places furthest behind their target (or the average) come first, the low ones in red.
    kecamatan = sorted(regions["kecamatan"], key=lambda row: (row["reach"] or 0, row["name"]))
    desa = sorted(regions["desa"], key=lambda row: (row["reach"] or 0, row["name"]))
    return {
        "kecamatan": draw_bars(kecamatan, target="target", href=lambda row: row.get("href", "")),
        "desa": draw_bars(desa),
        "occupation": draw_bars([row for row in groups["occupation"] if row["covered"] != 0], bar_area=GROUP_BAR_AREA),
        "sex": draw_bars(groups["sex"], bar_area=GROUP_BAR_AREA),
        "age_band": draw_bars(groups["age_band"], bar_area=GROUP_BAR_AREA),
        "enrolments": draw_columns(data["monthly"], value="enrolments"),
        "claims": draw_columns(data["monthly"], value="claims_filed"),
    }
