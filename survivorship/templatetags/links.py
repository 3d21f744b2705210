"""Links built by string from one reversed URL, for pages with a link per row.

``{% url %}`` resolves the pattern anew each time: a few hundred per page are most of a
warm page's time. Reverse once with the placeholder id 0, then fill in each row's id:

    {% url 'dashboard:remind' 0 as remind_url %} ... {{ remind_url|with_pk:visit.pk }}
"""

from django import template

register = template.Library()


@register.filter
def with_pk(url_for_zero: str, pk) -> str:
    """``/dashboard/items/0/remind/`` with 42: ``/dashboard/items/42/remind/``."""
    head, found, tail = str(url_for_zero).rpartition("/0/")
    if not found:
        raise ValueError(f"{url_for_zero!r} was not reversed with the placeholder id 0")
    return f"{head}/{int(pk)}/{tail}"
