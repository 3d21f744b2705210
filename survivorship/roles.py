"""Roles: who is a nurse, an administrator or a patient.

A role is a Django group (Nurse, Administrator) or, for patients, the link from a user
to a patient record (told to us by the patients app through ``survivorship.directory``).
Views say who may use them with the decorators in ``survivorship.web.access``.
"""

from __future__ import annotations

import enum

from django.contrib.auth import get_user_model

from survivorship import directory


class Role(enum.StrEnum):
    NURSE = "nurse"
    ADMINISTRATOR = "administrator"
    PATIENT = "patient"
    # Someone a patient lets use the portal for them (a grant in patients.CaregiverGrant).
    CAREGIVER = "caregiver"


GROUP_NAMES = {
    Role.NURSE: "Nurse",
    Role.ADMINISTRATOR: "Administrator",
    Role.CAREGIVER: "Caregiver",
}

# Where "/" sends each role, in order of precedence for a user with several roles.
HOMES = (
    (Role.NURSE, "nurse:home"),
    (Role.ADMINISTRATOR, "dashboard:home"),
    (Role.PATIENT, "portal:home"),
    (Role.CAREGIVER, "caregiver:home"),
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
    return directory.patients().patient_id_of(user) is not None


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def users_with_role(role: Role):
    """Active users in the role's group: the one query for "all nurses", "all administrators"."""
    return get_user_model().objects.filter(groups__name=GROUP_NAMES[role], is_active=True)
