"""Roles: who is a nurse, an administrator or a patient.

A role is a Django group (Nurse, Administrator) or, for patients, the link from a user
to a patient record (told to us by the patients app through ``survivorship.directory``).
Views say who may use them with the decorators in ``survivorship.web.access``.
"""

from __future__ import annotations

import enum

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

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


# Annotations of a user row that say its roles (see annotate_roles).
_GROUP_FLAG = "_survivorship_in_{}"
_PATIENT_ID = "_survivorship_patient_id"


# The patient record's preferred language, loaded with the user (survivorship/web/language.py).
RECORD_LANGUAGE = "_survivorship_record_language"


def annotate_roles(users):
    """``users`` (a User queryset) with what roles_of needs, so that no further query is
    made: one EXISTS per role group and the patient record's id, in the same SELECT."""
    memberships = get_user_model().groups.through.objects
    flags = {
        _GROUP_FLAG.format(role): Exists(
            memberships.filter(user_id=OuterRef("pk"), group__name=group)
        )
        for role, group in GROUP_NAMES.items()
    }
    expression = directory.patients().patient_id_expression
    if expression is not None:
        flags[_PATIENT_ID] = expression()
    language = directory.patients().preferred_language_expression
    if language is not None:
        flags[RECORD_LANGUAGE] = language()
    return users.annotate(**flags)


def prime_roles(user) -> None:
    """Cache the roles of a user loaded through annotate_roles (roles_of then asks nothing)."""
    if not all(hasattr(user, _GROUP_FLAG.format(role)) for role in GROUP_NAMES):
        return
    if directory.patients().patient_id_expression is not None and not hasattr(user, _PATIENT_ID):
        return
    roles = {role for role in GROUP_NAMES if getattr(user, _GROUP_FLAG.format(role))}
    if getattr(user, _PATIENT_ID, None) is not None:
        roles.add(Role.PATIENT)
    user._survivorship_roles = frozenset(roles)


def _has_patient_record(user) -> bool:
    return directory.patients().patient_id_of(user) is not None


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def users_with_role(role: Role):
    """Active users in the role's group: the one query for "all nurses", "all administrators"."""
    return get_user_model().objects.filter(groups__name=GROUP_NAMES[role], is_active=True)
