from django import template

from core.money import format_rupiah
from core.privacy import mask_nik

register = template.Library()


@register.filter(name="rupiah")
def rupiah_filter(value):
    """{{ amount|rupiah }} -> 'Rp84.000.000'."""
    return format_rupiah(value)


@register.filter(name="mask_nik")
def mask_nik_filter(value):
    return mask_nik(value)
