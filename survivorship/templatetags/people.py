"""``{{ user|person }}``: a person's name for display, safe when there is nobody.

(A filter *argument* that fails to resolve raises in Django templates, so
``a.get_full_name|default:a.username`` breaks when ``a`` is None.)
"""

from django import template

register = template.Library()


@register.filter
def person(user, empty="—"):
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()
