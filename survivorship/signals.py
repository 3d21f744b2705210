from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from survivorship.middleware import LAST_ACTIVITY, SESSION_STARTED


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SESSION_STARTED] = now
        request.session[LAST_ACTIVITY] = now


# --- The access log for writes ---------------------------------------------------------------
# Every save or delete of a record holding patient data is logged, whichever service or
# admin page made it. Bulk inserts (CSV import, schedule generation) log once in their
# service instead.


def _patient_id_of(instance):
    from patients.models import Patient, Treatment

    if isinstance(instance, Patient):
        return instance.pk
    if isinstance(instance, Treatment):
        return instance.diagnosis.patient_id if instance.diagnosis_id else None
    if hasattr(instance, "diagnosis") and not hasattr(instance, "patient_id"):
        return instance.diagnosis.patient_id
    return getattr(instance, "patient_id", None)


def _audited_models():
    from followup.models import (
        CalendarFeed,
        CarePlan,
        FollowUpVisit,
        ReminderPreference,
        SymptomReport,
    )
    from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment

    return (
        Patient, CancerDiagnosis, Treatment, DiseaseStatusEvent, CarePlan, FollowUpVisit,
        SymptomReport, ReminderPreference, CalendarFeed,
    )  # fmt: skip


def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from survivorship import audit

    audit.record(
        action="create" if created else "update",
        patient_id=_patient_id_of(instance),
        obj=instance,
    )


def _log_delete(sender, instance, **kwargs):
    from survivorship import audit

    try:
        patient_id = _patient_id_of(instance)
    except Exception:  # the parent went first in a cascade
        patient_id = None
    audit.record(action="delete", patient_id=patient_id, obj=instance)


def connect_access_log():
    for model in _audited_models():
        post_save.connect(_log_save, sender=model, dispatch_uid=f"audit-save-{model.__name__}")
        post_delete.connect(
            _log_delete, sender=model, dispatch_uid=f"audit-delete-{model.__name__}"
        )


@receiver(post_save, sender=LogEntry)
def log_admin_change(sender, instance, created, **kwargs):
    """Django admin's own change log, copied into the access log for patient data."""
    if not created or instance.content_type is None:
        return
    if instance.content_type.app_label not in ("patients", "followup"):
        return
    from survivorship import audit

    patient_id = None
    if instance.content_type.model == "patient" and str(instance.object_id).isdigit():
        patient_id = int(instance.object_id)
    audit.record(
        action={1: "admin create", 2: "admin update", 3: "admin delete"}.get(
            instance.action_flag, "admin"
        ),
        patient_id=patient_id,
        object_type=instance.content_type.model,
        object_id=str(instance.object_id),
    )
