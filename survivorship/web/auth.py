"""The signed-in user in one query, and their permissions without one.

Every signed-in request used to pay, before its own work: the session, the user, the
second-factor device, the user's groups, their patient record and two permission
queries (the scoped selectors ask ``has_perm("patients.view_all_patients")``). Now:

- the user row comes with its roles (EXISTS per role group, the patient record id) in
  the same SELECT (:func:`survivorship.roles.annotate_roles`);
- the user's permission set is kept in the shared cache (Redis), checked against a
  generation stamp that every change of groups or permissions replaces, so a change
  takes effect on the very next request. One cache round trip reads both. Without a
  cache shared by every process (the embedded locmem cache), the set is read from the
  database in one query instead of two.

That leaves three queries per signed-in staff request: session, user, OTP device.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from survivorship.roles import annotate_roles, prime_roles

GENERATION_KEY = "auth:perms:generation"
PERMS_KEY = "auth:perms:user:{}"
PERMS_SECONDS = 3600
SHARED_CACHES = ("django.core.cache.backends.redis.RedisCache",)


class UserWithRolesBackend(ModelBackend):
    def get_user(self, user_id):
        users = annotate_roles(get_user_model()._default_manager.filter(pk=user_id))
        user = users.first()
        if user is None or not self.user_can_authenticate(user):
            return None
        prime_roles(user)
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permissions_of(user_obj)
        return user_obj._perm_cache


def permissions_are_shared() -> bool:
    return settings.CACHES["default"]["BACKEND"] in SHARED_CACHES


def _read_permissions(user) -> set[str]:
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    return {f"{app}.{codename}" for app, codename in rows}


def _permissions_of(user) -> set[str]:
    if not permissions_are_shared():
        return _read_permissions(user)
    key = PERMS_KEY.format(user.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        # Nothing cached can be trusted without a stamp: start a new generation
        # (add, not set: a concurrent request may have just started one).
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return set(entry[1])
    perms = _read_permissions(user)
    cache.set(key, (generation, sorted(perms)), PERMS_SECONDS)
    return perms


def forget_permissions() -> None:
    """Make every cached permission set stale (a group or a permission changed)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _forget_now_and_on_commit() -> None:
    # Now, and again once the change is visible to others: a request reading the old
    # rows in between would otherwise cache them under the new generation.
    forget_permissions()
    transaction.on_commit(forget_permissions)


User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _memberships_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _forget_now_and_on_commit()


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_save, sender=Permission)
@receiver(post_delete, sender=Permission)
def _definitions_changed(sender, **kwargs):
    _forget_now_and_on_commit()
