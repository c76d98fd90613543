import datetime

from django import template
from django.utils import dateformat

register = template.Library()


@register.filter
def iso_date(value):
    """'2025-01-01' (as the JSON carries dates) -> '01-01-2025'."""
    if not value:
        return ""
    return dateformat.format(datetime.date.fromisoformat(value), "d-m-Y")


@register.filter
def iso_datetime(value):
    """'2026-11-26T16:40:05+07:00' -> '26 November 2026 16:40' (in the active language)."""
    if not value:
        return ""
    return dateformat.format(datetime.datetime.fromisoformat(value), "j F Y H:i")
