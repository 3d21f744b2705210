"""Issue 17: the shared-care letter goes to the primary-care doctor through the outbox.

Sent through a real aiosmtpd relay: the doctor receives the PDF made when the nurse sent
it, and the plan page shows where the letter is, like any tracked message.
"""

import email
import email.policy
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from followup.delivery import dispatch, messages
from followup.models import CarePlanTemplate, Reminder, ReminderKind, SharedCareLetter
from followup.services import plans as services
from followup.services.letters import plan_letter_send
from patients.models import Treatment
from survivorship.models import AccessLog
from tests.followup.test_reminder_privacy import leaks
from tests.support.reminders import free_port

DOCTOR = "okafor@riverside.example"


class Relay:
    """An aiosmtpd relay keeping each whole message (attachments included)."""

    def __init__(self, refuse=()):
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, ...]] = []
        self.refuse = set(refuse)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(tuple(envelope.rcpt_tos))
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def relay(settings):
    with Relay(refuse=("gone@riverside.example",)) as relay:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
        yield relay


@pytest.fixture
def plan(nurse, helen, diagnosis):
    start = timezone.localdate() - timedelta(days=400)
    Treatment.objects.filter(diagnosis=diagnosis).update(ended_on=start)
    Treatment.objects.create(
        diagnosis=diagnosis, modality="chemotherapy", intent="curative",
        started_on=start - timedelta(days=120), ended_on=start, agent="doxorubicin",
        cycles=4, dose_mg_m2=Decimal("240"),
    )  # fmt: skip
    helen.pcp_name = "Dr Sam Okafor"
    helen.pcp_practice = "Riverside Health Centre"
    helen.pcp_email = DOCTOR
    helen.save()
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=start,
        owner=nurse,
    )


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def send_all() -> dict:
    ids = list(Reminder.objects.filter(kind=ReminderKind.CARE_LETTER).values_list("pk", flat=True))
    return dict(dispatch.send_batch(ids))


def test_the_nurse_confirms_and_the_doctor_receives_the_pdf_with_the_schedule(
    client, nurse, plan, relay
):
    client.force_login(nurse)
    page = client.get(reverse("nurse:plan_letter_send", args=[plan.pk]))
    assert page.status_code == 200
    assert DOCTOR in page.content.decode()
    assert b"No letter has been sent for this plan yet" in page.content
    response = client.post(reverse("nurse:plan_letter_send", args=[plan.pk]), follow=True)
    assert response.status_code == 200
    assert "on its way to Dr Sam Okafor" in response.content.decode()
    assert 'data-letter-status="pending"' in response.content.decode()

    assert send_all() == {"sent": 1}
    assert relay.envelopes == [(DOCTOR,)]
    message = relay.received[0]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Dr Sam Okafor" in body
    # The email names nobody and no disease; the PDF carries the plan.
    assert "Helen" not in body + str(message["Subject"])
    assert not leaks(body + str(message["Subject"]))
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Helen Marsh" in text
    assert "follow-up schedule" in text
    assert "echocardiogram" in text.lower()

    page = client.get(reverse("nurse:plan", args=[plan.pk])).content.decode()
    assert 'data-letter-status="sent"' in page
    letter = SharedCareLetter.objects.get()
    assert letter.sent_by == nurse and letter.recipient_email == DOCTOR
    assert AccessLog.objects.filter(
        action="create", object_type="sharedcareletter", patient_id=plan.patient_id
    ).exists()


def test_the_pdf_sent_is_the_one_made_when_the_nurse_sent_it(nurse, plan, relay):
    letter = plan_letter_send(plan=plan, by=nurse)
    plan.patient.pcp_practice = "Another practice name"
    plan.patient.save()
    send_all()
    attachment = next(relay.received[0].iter_attachments())
    assert attachment.get_content() == bytes(letter.pdf)


def test_a_letter_with_no_primary_care_contact_says_what_is_missing(client, nurse, plan):
    patient = plan.patient
    patient.pcp_name = patient.pcp_email = ""
    patient.save()
    client.force_login(nurse)
    page = client.get(reverse("nurse:plan_letter_send", args=[plan.pk])).content.decode()
    assert "the primary-care doctor&#x27;s name and the primary-care doctor&#x27;s email" in page
    assert reverse("nurse:patient_primary_care", args=[patient.pk]) in page
    response = client.post(reverse("nurse:plan_letter_send", args=[plan.pk]))
    assert response.status_code == 400
    assert "Before the letter can be sent, add" in response.content.decode()
    assert not SharedCareLetter.objects.exists()
    assert not Reminder.objects.filter(kind=ReminderKind.CARE_LETTER).exists()


def test_a_second_send_while_the_first_is_on_its_way_is_refused(nurse, plan, relay):
    plan_letter_send(plan=plan, by=nurse)
    with pytest.raises(ValidationError, match="already on its way"):
        plan_letter_send(plan=plan, by=nurse)
    assert send_all() == {"sent": 1}
    plan_letter_send(plan=plan, by=nurse)  # once delivered, the nurse may send an update
    assert SharedCareLetter.objects.count() == 2
    assert send_all() == {"sent": 1, "not-claimed": 1}
    assert len(relay.received) == 2


def test_a_letter_never_goes_to_an_address_no_longer_on_the_record(nurse, plan, relay):
    plan_letter_send(plan=plan, by=nurse)
    plan.patient.pcp_email = "new-doctor@elsewhere.example"
    plan.patient.save()
    assert send_all() == {"cancelled": 1}
    assert relay.received == []
    reminder = Reminder.objects.get(kind=ReminderKind.CARE_LETTER)
    assert "changed" in reminder.skip_reason


def test_a_refused_doctor_address_is_not_blamed_on_the_patient(client, nurse, plan, relay):
    plan.patient.pcp_email = "gone@riverside.example"
    plan.patient.save()
    plan_letter_send(plan=plan, by=nurse)
    assert send_all() == {"failed": 1}
    plan.patient.refresh_from_db()
    assert plan.patient.contact_problem == ""
    client.force_login(nurse)
    page = client.get(reverse("nurse:plan", args=[plan.pk])).content.decode()
    assert 'data-letter-status="failed"' in page
    assert "Not delivered" in page


def test_the_letter_is_written_in_the_clinic_language_whatever_the_patient_speaks(
    nurse, plan, settings
):
    plan.patient.preferred_language = "es"
    plan.patient.save()
    letter = plan_letter_send(plan=plan, by=nurse)
    message = messages.render(letter.reminder, "email")
    assert message.text.startswith("Dear Dr Sam Okafor")
    assert message.attachments[0][2] == "application/pdf"


def test_a_nurse_outside_the_care_team_cannot_send_it(client, nurse2, plan):
    client.force_login(nurse2)
    assert client.post(reverse("nurse:plan_letter_send", args=[plan.pk])).status_code == 404
    assert not SharedCareLetter.objects.exists()
