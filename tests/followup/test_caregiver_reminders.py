# ruff: noqa: F811 (fixtures imported from other test modules)
"""Issue 21: reminders go to the patient, their caregivers or both, as the patient chose.

A copy goes by email to each caregiver whose live grant allows reminders (the plan
permission), addressed to the caregiver's own account, with a dedupe key of its own; the
dispatcher checks the grant and the choice again when it sends.
"""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import Reminder, ReminderPreference, ReminderStatus
from followup.services import plans as plan_services
from followup.services import reminders
from patients import services as patient_services
from tests.followup.test_reminder_privacy import leaks
from tests.followup.test_reminders import plan, visit  # noqa: F401 (fixtures)


@pytest.fixture
def helen_user(visit, django_user_model):
    patient = visit.patient
    patient.user = django_user_model.objects.create_user(
        "helen-portal", password="x", email="helen@example.org"
    )
    patient.save()
    return patient.user


def give_grant(patient, by, email="sam@example.org", **permissions):
    return patient_services.caregiver_grant_create(
        patient=patient,
        name="Sam Marsh",
        relationship="son",
        email=email,
        by=by,
        base_url="http://testserver/",
        permissions=permissions or {"can_see_plan": True, "can_get_reminders": True},
    )


def choose(patient, recipients):
    ReminderPreference.objects.update_or_create(
        patient=patient,
        defaults={"quiet_start": time(0, 0), "quiet_end": time(23, 59), "recipients": recipients},
    )
    patient.refresh_from_db()


def book_and_send(visit):
    """Book the visit in ten days, make its 1-day reminders due now, send them."""
    plan_services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    due = Reminder.objects.filter(visit=visit, context__days_before=1)
    due.update(send_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    dispatch.send_batch(list(due.values_list("pk", flat=True)))
    return list(due.order_by("pk"))


def test_by_default_only_the_patient_is_reminded(visit, helen_user):
    give_grant(visit.patient, helen_user)
    choose(visit.patient, "patient")
    rows = book_and_send(visit)
    assert len(rows) == 1 and rows[0].recipient_user is None
    assert [m.to for m in mail.outbox] == [[visit.patient.email]]


def test_both_sends_the_patient_and_the_caregiver_the_same_short_message(visit, helen_user):
    grant = give_grant(visit.patient, helen_user)
    choose(visit.patient, "both")
    rows = book_and_send(visit)
    assert len(rows) == 2 and len({r.dedupe_key for r in rows}) == 2
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([visit.patient.email, grant.caregiver.email])
    patient_mail = next(m for m in mail.outbox if m.to == [visit.patient.email])
    carer_mail = next(m for m in mail.outbox if m.to == [grant.caregiver.email])
    assert carer_mail.body.startswith("Hello Sam,")
    assert "Helen asked us to send you a copy of their reminders." in carer_mail.body
    assert "/care/" in carer_mail.body and "/portal/" not in carer_mail.body
    # Never more than the patient is told: every line of the copy but the greeting, the
    # copy note and the link is in the patient's message too.
    extra = [
        line
        for line in carer_mail.body.splitlines()
        if line
        and line not in patient_mail.body
        and not line.startswith(("Hello Sam", "Helen asked", "Your plan and visits"))
    ]
    assert not extra, extra
    assert not leaks(carer_mail.body + carer_mail.subject)


def test_caregivers_only_sends_only_to_the_caregivers(visit, helen_user):
    grant = give_grant(visit.patient, helen_user)
    choose(visit.patient, "caregivers")
    rows = book_and_send(visit)
    by_recipient = {r.recipient_user_id: r for r in rows}
    assert by_recipient[grant.caregiver_id].status == ReminderStatus.SENT
    patient_row = by_recipient[None]
    assert patient_row.status == ReminderStatus.SKIPPED
    assert "caregivers only" in patient_row.skip_reason
    assert [m.to for m in mail.outbox] == [[grant.caregiver.email]]


def test_a_grant_revoked_before_the_send_cancels_the_copy_and_says_why(visit, helen_user):
    grant = give_grant(visit.patient, helen_user)
    choose(visit.patient, "both")
    plan_services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    patient_services.caregiver_grant_revoke(grant=grant, by=helen_user)
    due = Reminder.objects.filter(visit=visit, context__days_before=1)
    due.update(send_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    dispatch.send_batch(list(due.values_list("pk", flat=True)))
    copy = due.get(recipient_user=grant.caregiver)
    assert copy.status == ReminderStatus.CANCELLED
    assert copy.skip_reason == "the caregiver's access was ended"
    assert [m.to for m in mail.outbox] == [[visit.patient.email]]


def test_a_grant_without_the_reminders_permission_gets_no_copy(visit, helen_user):
    give_grant(visit.patient, helen_user, can_see_plan=True, can_report=True)
    choose(visit.patient, "both")
    rows = book_and_send(visit)
    assert [r.recipient_user_id for r in rows] == [None]


def test_the_checkin_prompt_goes_to_the_caregiver_without_the_patient_s_links(plan, helen_user):
    grant = give_grant(plan.patient, helen_user)
    choose(plan.patient, "both")
    checkin = reminders.checkin_open(plan, timezone.localdate())
    rows = list(Reminder.objects.filter(checkin=checkin).order_by("pk"))
    assert [r.recipient_user_id for r in rows] == [None, grant.caregiver_id]
    assert rows[1].dedupe_key == f"checkin:{checkin.pk}:caregiver:{grant.pk}"
    Reminder.objects.filter(checkin=checkin).update(send_at=timezone.now())
    mail.outbox.clear()
    dispatch.send_batch([r.pk for r in rows])
    carer_mail = next(m for m in mail.outbox if m.to == [grant.caregiver.email])
    assert f"/portal/checkin/{checkin.pk}/" not in carer_mail.body
    assert "Choose how we remind you" not in carer_mail.body


def test_the_choice_is_offered_only_with_a_caregiver_who_can_get_reminders(
    client, visit, helen_user
):
    client.force_login(helen_user)
    page = client.get("/portal/preferences/").content.decode()
    assert 'name="recipients"' not in page and "Reminders to your caregivers" not in page
    give_grant(visit.patient, helen_user)
    page = client.get("/portal/preferences/").content.decode()
    assert 'name="recipients"' in page and "Reminders to your caregivers" in page
    response = client.post(
        "/portal/preferences/",
        {
            "preferred_channel": "email",
            "consent": "on",
            "quiet_start": "08:00",
            "quiet_end": "20:00",
            "appointment_reminders": "on",
            "recipients": "both",
        },
    )
    assert response.status_code == 302
    assert ReminderPreference.objects.get(patient=visit.patient).recipients == "both"
