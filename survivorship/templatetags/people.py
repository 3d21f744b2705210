"""``{{ user|person }}``: a person's name for display, safe when there is nobody.

(A filter *argument* that fails to resolve raises in Django templates, so
``a.get_full_name|default:a.username`` breaks when ``a`` is None.)
"""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def person(user, empty="—"):
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


@register.filter
def ago(moment):
    """'5 minutes ago', or 'just now' in the first minute (never '0 minutes ago')."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
