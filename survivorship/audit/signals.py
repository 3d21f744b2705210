"""The access log for writes: every save or delete of a record holding patient data.

Each app registers its audited models in its ``AppConfig.ready`` with :func:`register`,
saying how to find an object's patient; whichever service or admin page then saves or
deletes one, it is logged. Bulk inserts (CSV import, schedule generation) log once in
their service instead. Django admin's own change log is copied in as well.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from survivorship.audit import log
from survivorship.web.access import access_denied

# model -> patient_of(instance); the default reads instance.patient_id.
_audited: dict[type, Callable[[object], int | None]] = {}
# Apps whose admin changes are copied into the access log (those holding patient data).
_admin_apps: set[str] = set()


def _default_patient_of(instance) -> int | None:
    return getattr(instance, "patient_id", None)


def register(model, *, patient_of: Callable[[object], int | None] | None = None) -> None:
    """Log every save and delete of ``model``; ``patient_of`` finds the patient's id."""
    _audited[model] = patient_of or _default_patient_of
    _admin_apps.add(model._meta.app_label)
    post_save.connect(_log_save, sender=model, dispatch_uid=f"audit-save-{model.__name__}")
    post_delete.connect(_log_delete, sender=model, dispatch_uid=f"audit-delete-{model.__name__}")


def audited_models() -> tuple[type, ...]:
    return tuple(_audited)


def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    log.record(
        action="create" if created else "update",
        patient_id=_audited[sender](instance),
        obj=instance,
    )


def _log_delete(sender, instance, **kwargs):
    try:
        patient_id = _audited[sender](instance)
    except Exception:  # the parent went first in a cascade
        patient_id = None
    log.record(action="delete", patient_id=patient_id, obj=instance)


@receiver(post_save, sender=LogEntry)
def log_admin_change(sender, instance, created, **kwargs):
    """Django admin's own change log, copied into the access log for patient data."""
    if not created or instance.content_type is None:
        return
    if instance.content_type.app_label not in _admin_apps:
        return
    patient_id = None
    if instance.content_type.model == "patient" and str(instance.object_id).isdigit():
        patient_id = int(instance.object_id)
    log.record(
        action={1: "admin create", 2: "admin update", 3: "admin delete"}.get(
            instance.action_flag, "admin"
        ),
        patient_id=patient_id,
        object_type=instance.content_type.model,
        object_id=str(instance.object_id),
    )


@receiver(access_denied)
def log_page_refused(sender, request, **kwargs):
    """A signed-in user refused a page their role does not allow."""
    log.record(action="open page", object_type="page", outcome="denied")
