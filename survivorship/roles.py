"""Roles and the one way a view says who may use it.

A role is a Django group (Nurse, Administrator) or, for patients, the link from a user
to a patient record. Every view is wrapped by :func:`role_required` or marked
:func:`public`; tests/survivorship/test_access_matrix.py walks every URL pattern and
fails if a view forgets, or admits a role it should not.
"""

from __future__ import annotations

import enum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


class Role(enum.StrEnum):
    NURSE = "nurse"
    ADMINISTRATOR = "administrator"
    PATIENT = "patient"


GROUP_NAMES = {Role.NURSE: "Nurse", Role.ADMINISTRATOR: "Administrator"}

# Where "/" sends each role, in order of precedence for a user with several roles.
HOMES = (
    (Role.NURSE, "nurse:home"),
    (Role.ADMINISTRATOR, "dashboard:home"),
    (Role.PATIENT, "portal:home"),
)


def roles_of(user) -> frozenset[Role]:
    """The user's roles, computed once per request and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_survivorship_roles", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    roles = {role for role, group in GROUP_NAMES.items() if group in names}
    if _has_patient_record(user):
        roles.add(Role.PATIENT)
    user._survivorship_roles = frozenset(roles)
    return user._survivorship_roles


def _has_patient_record(user) -> bool:
    from patients.models import Patient

    return Patient.objects.filter(user=user).exists()


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def role_required(*roles: Role):
    """Admit authenticated users holding any of ``roles``; send others to log in or 403."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & allowed:
                from survivorship import audit

                audit.record(action="open page", object_type="page", outcome="denied")
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
