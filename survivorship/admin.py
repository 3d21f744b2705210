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
from survivorship import directory
from survivorship.admin_base import LabelledDateTimeMixin, ReadOnlyAdmin, SafeActionsMixin

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
