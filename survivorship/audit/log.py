"""The access log: every read and write of a patient's data, and every refusal.

Selectors and services call :func:`record`; the request they serve (user, role, IP,
path) is known from AuditContextMiddleware through a context variable, so no view has
to pass it along, and none can forget it. Outside a request (tasks, commands) the
entry is written as "system".
"""

from __future__ import annotations

import contextvars
import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import F
from django.http import Http404

from survivorship.client_ip import client_ip
from survivorship.models import AccessLog
from survivorship.redact import redact_path
from survivorship.roles import roles_of

logger = logging.getLogger(__name__)
_request: contextvars.ContextVar = contextvars.ContextVar("survivorship_request", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def _role_label(user) -> str:
    roles = sorted(str(role) for role in roles_of(user))
    return ", ".join(roles) or ("staff" if user.is_staff else "none")


def record_many(*, action: str, object_type: str, rows) -> None:
    """One entry per (patient_id, object_id) in ``rows``, in a single bulk insert."""
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    entries = []
    for patient_id, object_id in rows:
        entry = AccessLog(
            action=action, patient_id=patient_id, object_type=object_type, object_id=object_id
        )
        if user is not None and user.is_authenticated:
            entry.user, entry.username, entry.role = user, user.get_username(), _role_label(user)
        else:
            entry.role = "anonymous" if request is not None else "system"
        if request is not None:
            entry.ip = client_ip(request)
            entry.path = redact_path(request.path)[:300]
        entries.append(entry)
    if not entries:
        return
    try:
        AccessLog.objects.bulk_create(entries)
    except Exception:  # never let the log take a page down; say so in the app log
        logger.exception("could not write access log entries")


def record_shown(*, object_type: str, patient_ids, action: str = "list") -> None:
    """One entry per distinct patient shown on a list page, in one bulk insert."""
    distinct = sorted({pid for pid in patient_ids if pid is not None})
    record_many(action=action, object_type=object_type, rows=[(pid, "") for pid in distinct])


def record_rows(*, action: str, object_type: str, queryset, patient_field: str = "patient_id"):
    """One entry per distinct patient of ``queryset``, written by a single INSERT ... SELECT.

    For reads that touch many patients at once (CSV exports, list pages; issue 14,
    finding 6): the rows never come to Python, so an export of 100,000 rows logs its
    patients in one statement, and the patient's "who has seen my record" shows it.
    """
    request = _request.get()
    stamp = AccessLog(action=action, object_type=object_type)
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        stamp.user, stamp.username, stamp.role = user, user.get_username(), _role_label(user)
    else:
        stamp.role = "anonymous" if request is not None else "system"
    if request is not None:
        stamp.ip = client_ip(request)
        stamp.path = redact_path(request.path)[:300]
    patients = (
        queryset.filter(**{f"{patient_field}__isnull": False})
        .order_by()
        .annotate(audit_patient_id=F(patient_field))
        .values_list("audit_patient_id")
        .distinct()
    )
    select_sql, select_params = patients.query.sql_with_params()
    constant = {
        "at": stamp.at,
        "user_id": stamp.user_id,
        "username": stamp.username,
        "role": stamp.role,
        "action": stamp.action,
        "object_type": stamp.object_type,
        "object_id": "",
        "outcome": stamp.outcome,
        "ip": stamp.ip,
        "path": stamp.path,
    }
    quote = connection.ops.quote_name
    columns = [*constant, "patient_id"]
    # Only quoted names and Django's own compiled SQL are interpolated; values are params.
    table, names = quote(AccessLog._meta.db_table), ", ".join(map(quote, columns))
    values = ", ".join(["%s"] * len(constant))
    sql = f"INSERT INTO {table} ({names}) SELECT {values}, shown.audit_patient_id FROM ({select_sql}) shown"  # noqa: E501, S608
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*constant.values(), *select_params])
    except Exception:  # never let the log take a page down; say so in the app log
        logger.exception("could not write access log entries")


def record(
    *,
    action: str,
    patient_id: int | None = None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AccessLog.Outcome.ALLOWED,
    client: str = "",
) -> None:
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    entry = AccessLog(
        action=action,
        patient_id=patient_id,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk else ""),
        outcome=outcome,
    )
    if user is not None and user.is_authenticated:
        entry.user = user
        entry.username = user.get_username()
        entry.role = _role_label(user)
    elif client:  # a machine client of the FHIR API, logged under its name
        entry.username, entry.role = client[:150], "api client"
    else:
        entry.role = "anonymous" if request is not None else "system"
    if request is not None:
        entry.ip = client_ip(request)
        entry.path = redact_path(request.path)[:300]
    try:
        entry.save()
    except Exception:  # never let the log take a page down; say so in the app log
        logger.exception("could not write an access log entry")


def get_in_scope(scoped_queryset, model, pk, *, action="view", patient_of=None):
    """Fetch ``pk`` from the user's scope and log it; log a refusal and 404 otherwise.

    ``patient_of(obj)`` gives the patient id of an object (default: obj.patient_id).
    """
    patient_of = patient_of or (lambda obj: getattr(obj, "patient_id", None))
    try:
        obj = scoped_queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        outside = model._default_manager.filter(pk=pk).first() if str(pk).isdigit() else None
        if outside is not None:
            record(
                action=action,
                patient_id=patient_of(outside),
                obj=outside,
                outcome=AccessLog.Outcome.DENIED,
            )
        raise Http404("not found") from None
    record(action=action, patient_id=patient_of(obj), obj=obj)
    return obj
