"""Django's user admin, plus two actions: reset a user's two-factor sign-in (a lost phone),
and deactivate an account. Users are never deleted: their access-log entries keep
pointing at them (issue 14, finding 10)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import ngettext

from survivorship import directory
from survivorship.admin_base import LabelledDateTimeMixin, ReadOnlyAdmin, SafeActionsMixin
from survivorship.models import AccessLog
from survivorship.services import user_deactivate
from survivorship.two_factor.services import two_factor_reset

admin.site.unregister(User)
admin.site.unregister(Group)

# Plain labelled multiple selects for groups and permissions: filter_horizontal's widget
# puts aria-label on bare spans (axe: aria-prohibited-attr, WCAG 4.1.2).


@admin.register(Group)
class SurvivorshipGroupAdmin(GroupAdmin):
    filter_horizontal = ()


@admin.register(User)
class SurvivorshipUserAdmin(SafeActionsMixin, LabelledDateTimeMixin, UserAdmin):
    filter_horizontal = ()
    actions = ["deactivate", "reset_two_factor"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the access log must keep who did what

    @admin.action(description="Deactivate (cannot sign in; history kept)", permissions=["change"])
    def deactivate(self, request, queryset):
        users = [user for user in queryset if user.pk != request.user.pk]
        if len(users) < queryset.count():
            self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)
        done = sum(user_deactivate(user=user, by=request.user) for user in users)
        still_primary = directory.patients().primary_patients_of([u.pk for u in users])
        self.message_user(
            request,
            ngettext(
                "%(count)d account was deactivated: it can no longer sign in, and its "
                "history is kept.",
                "%(count)d accounts were deactivated: they can no longer sign in, and their "
                "history is kept.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
        if still_primary:
            self.message_user(
                request,
                f"{still_primary} active patients still have a deactivated primary nurse: "
                "reassign them on the dashboard so urgent alerts reach someone.",
                messages.WARNING,
            )

    @admin.action(description="Reset two-factor sign-in", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            two_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in was reset for %(count)d user: their authenticator app and "
                "backup codes no longer work, and staff set up a new app at next sign-in.",
                "Two-factor sign-in was reset for %(count)d users: their authenticator apps "
                "and backup codes no longer work, and staff set up a new app at next sign-in.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Read-only: the access log can be searched here but never changed."""

    list_display = (
        "at",
        "username",
        "role",
        "patient_id",
        "action",
        "object_type",
        "outcome",
        "ip",
    )
    list_filter = ("outcome", "action", "role", ("at", admin.DateFieldListFilter))
    search_fields = ("username", "path", "object_type")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AccessLog._meta.fields]
