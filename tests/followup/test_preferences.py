from datetime import time, timedelta

import pytest
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import CarePlanTemplate, Reminder, ReminderPreference
from followup.services import plans as services
from patients.models import Patient

CHOICES = {
    "preferred_channel": "email",
    "consent": "on",
    "quiet_start": "09:00",
    "quiet_end": "19:00",
    "appointment_reminders": "on",
    "scan_reminders": "on",
    "checkin_prompts": "on",
}


@pytest.fixture
def paula(patient_user):
    patient = patient_user.patient
    patient.email = "paula@example.org"
    patient.save()
    return patient


def test_it_saves_the_patients_reminder_choices_and_dates_the_consent(client, patient_user, paula):
    client.force_login(patient_user)
    assert client.get("/portal/preferences/").status_code == 200
    response = client.post("/portal/preferences/", CHOICES)
    assert response["Location"] == "/portal/preferences/"
    preference = ReminderPreference.objects.get(patient=paula)
    assert (preference.quiet_start, preference.quiet_end) == (time(9), time(19))
    assert preference.lab_reminders is False and preference.scan_reminders is True
    paula.refresh_from_db()
    assert paula.reminder_consent_at is not None


def test_it_withdraws_consent(client, patient_user, paula):
    Patient.objects.filter(pk=paula.pk).update(reminder_consent_at=timezone.now())
    client.force_login(patient_user)
    client.post("/portal/preferences/", {**CHOICES, "consent": ""})
    paula.refresh_from_db()
    assert paula.reminder_consent_at is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"preferred_channel": "sms"}, "We don&#x27;t have a mobile number for you yet"),
        ({"quiet_start": "12:00", "quiet_end": "13:00"}, "at least two hours a day"),
        ({"quiet_start": "25:00"}, "Enter a valid time"),
        ({"preferred_channel": "pigeon"}, "Select a valid choice"),
    ],
)
def test_it_explains_choices_it_cannot_accept(client, patient_user, paula, change, message):
    client.force_login(patient_user)
    response = client.post("/portal/preferences/", {**CHOICES, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReminderPreference.objects.filter(patient=paula).exists()


def test_it_links_every_patient_message_to_these_settings(client, patient_user):
    client.force_login(patient_user)
    assert "/portal/preferences/" in client.get("/portal/").content.decode()


def test_it_shows_the_nurse_sent_failed_and_skipped_messages_on_the_timeline(
    client, nurse, helen, diagnosis
):
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=30),
    )
    visit = plan.visits.filter(status="planned").last()
    services.visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10))
    Reminder.objects.filter(visit=visit).update(send_at=timezone.now())
    dispatch.send_batch(list(Reminder.objects.filter(visit=visit).values_list("pk", flat=True)))
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "Appointment reminder by email: not sent: no consent to reminders on file" in page


def test_it_warns_the_nurse_when_a_contact_does_not_work_until_it_is_fixed(client, nurse, helen):
    Patient.objects.filter(pk=helen.pk).update(contact_problem="email: address refused")
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "Messages to Helen are not getting through" in page
    helen.refresh_from_db()
    services_data = {
        "medical_record_number": helen.medical_record_number,
        "given_name": "Helen",
        "family_name": "Marsh",
        "sex": "female",
        "email": "helen.new@example.org",
        "preferred_channel": "email",
        "time_zone": "America/New_York",
        "preferred_language": "en",
        "active": "on",
        "primary_nurse": nurse.pk,
    }
    response = client.post(f"/nurse/patients/{helen.pk}/edit/", services_data)
    assert response.status_code == 302, response.context["form"].errors
    helen.refresh_from_db()
    assert helen.contact_problem == ""
