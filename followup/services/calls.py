"""Logging a call to a patient on the call list; a report taken by phone is filed here."""

from __future__ import annotations

import secrets
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from followup.models import CallAttempt, CallOutcome, CheckIn, CheckInStatus
from followup.selectors.calls import on_care_team
from followup.services import reports as reporting
from survivorship import audit


def call_attempt_log(
    *,
    patient,
    by,
    outcome: str,
    note: str = "",
    pause_until: date | None = None,
    report: dict | None = None,
    today: date | None = None,
) -> CallAttempt:
    """Record one call. ``report`` (reached): what the patient said, filed "by phone".

    ``report`` holds ``nothing_new`` or the form's ``chosen_signs``, ``worry``,
    ``distress``, ``other_text`` and ``self_harm``; it answers the patient's latest open
    or missed check-in and is triaged exactly like one sent from the portal.
    """
    if not on_care_team(by, patient):
        raise PermissionDenied("Only a nurse on the patient's care team can log a call.")
    today = today or timezone.localdate()
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": "Choose what happened on the call."})
    if outcome == CallOutcome.PAUSE:
        if pause_until is None:
            raise ValidationError({"pause_until": "Say until which day to pause check-ins."})
        if pause_until <= today:
            raise ValidationError({"pause_until": "The pause must end on a day still to come."})
    elif pause_until is not None:
        raise ValidationError({"pause_until": "A pause date goes with “pause check-ins” only."})
    if outcome == CallOutcome.REACHED and not report:
        raise ValidationError("Enter what the patient told you, or tick “nothing new”.")
    with transaction.atomic():
        filed = None
        if outcome == CallOutcome.REACHED:
            checkin = (
                CheckIn.objects.filter(
                    patient=patient, status__in=[CheckInStatus.OPEN, CheckInStatus.MISSED]
                )
                .order_by("-due_on")
                .first()
            )
            signs = report.get("chosen_signs") or []
            filed = reporting.report_submit(
                patient=patient,
                submission_key=secrets.token_hex(16),
                signs=signs,
                nothing_new=bool(report.get("nothing_new")) and not signs,
                other_text=report.get("other_text", ""),
                worry=report.get("worry"),
                distress=report.get("distress"),
                self_harm=bool(report.get("self_harm")),
                checkin=checkin,
                by_phone=True,
            ).report
        attempt = CallAttempt.objects.create(
            patient=patient,
            by=by,
            outcome=outcome,
            note=note.strip()[:500],
            pause_until=pause_until if outcome == CallOutcome.PAUSE else None,
            report=filed,
        )
        audit.record(action="create", patient_id=patient.pk, obj=attempt)
    return attempt
