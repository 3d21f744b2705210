"""The one way a view says who may use it.

Every view is wrapped by :func:`role_required` or marked :func:`public` (or
:func:`authenticated`); tests/survivorship/test_access_matrix.py walks every URL pattern
and fails if a view forgets, or admits a role it should not. Refusals are logged.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal

from survivorship.roles import Role, roles_of

# Sent when a signed-in user is refused a page; the access log records it (audit.signals).
access_denied = Signal()


def role_required(*roles: Role):
    """Admit authenticated users holding any of ``roles``; send others to log in or 403."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & allowed:
                access_denied.send(sender=view, request=request)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


def public(view):
    """Mark a view as deliberately open to everyone, anonymous visitors included."""
    view.allowed_roles = "public"
    return view


def authenticated(view):
    """Any signed-in user, whatever the role (for example the page telling them they have none)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.allowed_roles = "authenticated"
    return wrapped
