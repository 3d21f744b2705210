"""Sending the shared-care letter to the primary-care doctor, through the outbox.

The PDF is made once, when the nurse sends it, and kept with the message: the doctor
receives exactly what the nurse confirmed, and the record shows what was sent and when.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from followup.delivery.outbox import message_put
from followup.documents import plan_letter_missing, plan_letter_pdf
from followup.models import (
    CarePlan,
    Channel,
    ReminderKind,
    ReminderStatus,
    SharedCareLetter,
)
from survivorship import audit

IN_FLIGHT = (ReminderStatus.PENDING, ReminderStatus.CLAIMED, ReminderStatus.SENDING)


def plan_letter_send(*, plan: CarePlan, by, today: date | None = None) -> SharedCareLetter:
    """Queue the letter to the doctor on the record; say what is missing instead of failing.

    Refused while an earlier letter for this plan is still on its way, so a double click
    or two nurses at once never send it twice.
    """
    patient = plan.patient
    missing = plan_letter_missing(patient=patient)
    if missing:
        raise ValidationError(
            "Before the letter can be sent, add " + " and ".join(missing) + " to the record."
        )
    today = today or timezone.localdate()
    pdf = plan_letter_pdf(plan=plan, today=today)
    with transaction.atomic():
        # One at a time per plan: the plan row is the lock.
        CarePlan.objects.select_for_update().filter(pk=plan.pk).first()
        if SharedCareLetter.objects.filter(plan=plan, reminder__status__in=IN_FLIGHT).exists():
            raise ValidationError(
                "A letter for this plan is already on its way. Its status is shown below."
            )
        letter = SharedCareLetter.objects.create(
            plan=plan,
            patient=patient,
            recipient_name=patient.pcp_name,
            recipient_practice=patient.pcp_practice,
            recipient_email=patient.pcp_email,
            pdf=pdf,
            sent_by=by,
        )
        reminder, _ = message_put(
            dedupe_key=f"care_letter:{letter.pk}",
            kind=ReminderKind.CARE_LETTER,
            channel=Channel.EMAIL,
            patient=patient,
            send_at=timezone.now(),
            context={
                "staff_to": patient.pcp_email,
                "doctor_name": patient.pcp_name,
                "practice": patient.pcp_practice,
            },
        )
        letter.reminder = reminder
        letter.save(update_fields=["reminder"])
        audit.record(action="create", patient_id=patient.pk, obj=letter)
    return letter
