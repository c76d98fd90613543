from django import template

from core.privacy import sees_personal_data

register = template.Library()


@register.filter(name="sees_personal_data")
def sees_personal_data_filter(user):
    """{% if user|sees_personal_data %}: the one decision of core.privacy.sees_personal_data."""
    return sees_personal_data(user)
