from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.text import capfirst

from survivorship import audit


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the app writes (logs): searchable in admin, never changed there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SafeActionsMixin:
    """Refuse an admin action on ids that are not ids (hostile input, issue 14).

    Django filters ``pk__in`` with the posted values as they are: "²" or a 5,000-digit
    number would answer 500. Only plain integer ids that fit a 64-bit column go through.
    """

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        # At most 18 digits: below 2**63, and never a long int() conversion.
        if not all(v.isascii() and v.isdigit() and len(v) <= 18 for v in selected):
            self.message_user(request, "Those rows could not be selected.", messages.WARNING)
            return None  # the changelist shows itself again
        return super().response_action(request, queryset)


class AdminReadLogMixin(SafeActionsMixin):
    """Log every Django admin read of patient data like the app's reads (issue 14, finding 4).

    Change pages and history pages write one "admin-view" entry for the record's patient;
    a list page (with or without a search) writes one "admin-list" entry per row shown,
    in a single bulk insert. ``patient_path`` is the lookup from the row to its patient.
    """

    patient_path = "patient_id"

    def _patient_ids(self, pks):
        model = self.model
        rows = model._default_manager.filter(pk__in=pks).values_list("pk", self.patient_path)
        return dict(rows)

    def _log_one(self, object_id, action):
        if object_id is None:
            return
        pk = str(object_id)
        patient_ids = self._patient_ids([pk]) if pk.isdigit() else {}
        if not patient_ids:
            return
        audit.record(
            action=action,
            patient_id=next(iter(patient_ids.values())),
            object_type=self.model._meta.model_name,
            object_id=pk,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET":
            self._log_one(object_id, "admin-view")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._log_one(object_id, "admin-history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._log_one(object_id, "admin-history")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        changelist = changelist.get("cl")
        if changelist is not None:
            pks = [obj.pk for obj in changelist.result_list]
            patient_ids = self._patient_ids(pks) if pks else {}
            audit.record_many(
                action="admin-list",
                object_type=self.model._meta.model_name,
                rows=[(patient_ids.get(pk), str(pk)) for pk in pks],
            )
        return response


class LabelledDateTimeMixin:
    """Name both halves of the admin's date-and-time widget for screen readers.

    Django's split widget labels only the date box (its <label> points at ``_0``) and puts
    "Date:" and "Time:" beside them as plain text, so axe finds two unlabelled inputs.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(field, "widget", None)
        inner = getattr(widget, "widget", widget)  # unwrap RelatedFieldWidgetWrapper
        if isinstance(inner, AdminSplitDateTime):
            label = capfirst(db_field.verbose_name)
            inner.widgets[0].attrs["aria-label"] = f"{label}: date"
            inner.widgets[1].attrs["aria-label"] = f"{label}: time"
        return field
