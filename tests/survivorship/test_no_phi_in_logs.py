"""No PHI in the application logs: capture a whole demo journey and search every record.

The journey runs through the test client on the seeded demo: a nurse signs in, opens
the caseload and every patient, previews a plan, books a visit, records a status,
hits another caseload's patient (404) and posts a bad form; the demo patient signs in,
reads the portal, downloads the calendar and reports symptoms in their own words (with
their own name); the outbox is sent; and someone mistypes the patient's password.

Every log record that production would emit (root at INFO, django.request at WARNING,
axes at WARNING as in settings.LOGGING) is captured, formatted with its arguments,
exception text and extra attributes, and searched for each demo patient's names,
record number, date of birth (several formats), email and phone.

What counts as a log: records of the logging module. The development email and SMS
backends print messages to the console by design (a patient's reminder greets them by
first name); that console copy is not a log and is left alone here. The emails to
nurses (alerts, digests) are checked too: they must name no patient.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import CarePlanTemplate, FollowUpVisit, Reminder, ReminderKind
from followup.services import reminders
from patients.models import Patient

PASSWORD = "survivorship-demo"
DOB_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%B %d, %Y",
               "%d %B %Y", "%b %d, %Y", "%-d %B %Y", "%B %-d, %Y")  # fmt: skip

# Attributes every LogRecord has; anything else was passed as `extra`.
STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 1, "x", (), None))) | {
    "message",
    "asctime",
}


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def text_of(record: logging.LogRecord) -> str:
    """Everything a handler could write: message, arguments, traceback, extras."""
    parts = [record.name, record.levelname, record.getMessage(), repr(record.args)]
    if record.exc_info:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    extras = {key: value for key, value in vars(record).items() if key not in STANDARD}
    parts.append(repr(extras))
    return "\n".join(str(part) for part in parts)


@pytest.fixture
def logs():
    """Capture what production logging would emit, for the test's duration."""
    handler = Capture()
    root = logging.getLogger()
    levels = {"": logging.INFO, "django.request": logging.WARNING, "axes": logging.WARNING}
    saved = {name: logging.getLogger(name).level for name in levels}
    # Loggers that do not propagate to the root get the handler directly.
    isolated = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    root.addHandler(handler)
    for logger in isolated:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger in isolated:
            logger.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


# --- What must never be logged -------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    what: str
    pattern: re.Pattern


def needles(patients) -> list[Needle]:
    found = []

    def add(what, text, *, word=False, ignore_case=False):
        if not text:
            return
        pattern = re.escape(text)
        if word:
            pattern = rf"(?<!\w){pattern}(?!\w)"
        found.append(Needle(what, re.compile(pattern, re.IGNORECASE if ignore_case else 0)))

    for patient in patients:
        who = patient.medical_record_number
        add(f"{who} full name", patient.full_name, ignore_case=True)
        add(f"{who} given name", patient.given_name, word=True)
        add(f"{who} family name", patient.family_name, word=True)
        add(f"{who} record number", patient.medical_record_number, ignore_case=True)
        add(f"{who} email", patient.email, ignore_case=True)
        add(f"{who} phone", patient.mobile_phone)
        add(f"{who} phone", patient.mobile_phone.lstrip("+"))
        if patient.date_of_birth:
            for fmt in DOB_FORMATS:
                add(f"{who} birth date ({fmt})", patient.date_of_birth.strftime(fmt), word=True)
    return found


def offenders(records, patients) -> list[str]:
    found = []
    texts = [(record, text_of(record)) for record in records]
    for needle in needles(patients):
        for record, text in texts:
            if needle.pattern.search(text):
                found.append(f"{needle.what} in {record.name}: {record.getMessage()[:200]!r}")
    return found


# --- The journey ----------------------------------------------------------------------------


def sign_in(client, username, password=PASSWORD):
    client.logout()
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())
    return Patient.objects.filter(medical_record_number__startswith="DEMO-").order_by("pk")


def nurse_journey(client):
    nurse = User.objects.get(username="demo-nurse")
    response = sign_in(client, "demo-nurse")
    assert response.status_code == 302 and "/accounts/login/" not in response["Location"]
    assert client.get("/nurse/").status_code == 200
    mine = list(Patient.objects.for_user(nurse).filter(medical_record_number__startswith="DEMO-"))
    assert len(mine) >= 5
    # Searching by name puts the name in the query string, never in a log line.
    assert client.get("/nurse/", {"q": mine[0].family_name}).status_code == 200
    for patient in mine:
        assert client.get(f"/nurse/patients/{patient.pk}/").status_code == 200
    patient = mine[0]
    diagnosis = patient.diagnoses.order_by("-diagnosed_on").first()
    template = CarePlanTemplate.objects.filter(active=True).first()
    preview = client.get(
        f"/nurse/patients/{patient.pk}/plans/new/",
        {"diagnosis": diagnosis.pk, "template": template.pk,
         "start_date": diagnosis.diagnosed_on.isoformat(), "checkin_frequency": "default"},
    )  # fmt: skip
    assert preview.status_code in (200, 400)
    visit = (
        FollowUpVisit.objects.filter(patient__in=mine, status="planned", plan__status="active")
        .filter(due_date__gte=timezone.localdate())
        .order_by("due_date")
        .first()
    )
    at = timezone.localtime() + timedelta(days=10)
    booked = client.post(
        f"/nurse/items/{visit.pk}/schedule/",
        {"scheduled_at": at.strftime("%Y-%m-%dT%H:%M"), "location": "Clinic B, room 2"},
    )
    assert booked.status_code == 302
    recorded = client.post(
        f"/nurse/diagnoses/{diagnosis.pk}/status/new/",
        {"event_date": timezone.localdate().isoformat(), "reported_status": "ned",
         "note": f"{patient.full_name} is well, scan clear."},
    )  # fmt: skip
    assert recorded.status_code == 302
    # Another caseload's patient: a 404 (logged by django.request as "Not Found").
    other = Patient.objects.exclude(pk__in=[p.pk for p in mine]).first()
    assert client.get(f"/nurse/patients/{other.pk}/").status_code == 404
    # A bad form, filled with the patient's own details (logged as "Bad Request").
    bad = client.post(
        f"/nurse/patients/{patient.pk}/edit/",
        {"medical_record_number": patient.medical_record_number,
         "given_name": patient.given_name, "family_name": patient.family_name,
         "date_of_birth": patient.date_of_birth.isoformat(), "email": "not an email",
         "time_zone": "Mars/Olympus_Mons"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert client.get("/nurse/reports/").status_code == 200
    assert client.get("/dashboard/overdue/").status_code == 200
    assert client.get("/dashboard/overdue.csv").status_code == 200


def patient_journey(client):
    user = User.objects.get(username="demo-patient")
    patient = user.patient
    response = sign_in(client, "demo-patient")
    assert response.status_code == 302 and "/accounts/login/" not in response["Location"]
    for url in ("/portal/", "/portal/plan/", "/portal/preferences/", "/portal/access/"):
        assert client.get(url).status_code == 200
    calendar = client.get("/portal/calendar.ics")
    assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content
    client.post("/portal/calendar/", {"action": "create"})
    feed = client.get("/portal/calendar/").context["feed_url"]
    assert client.get(urlsplit(feed).path).status_code == 200
    form = client.get("/portal/report/").context["form"]
    born = patient.date_of_birth
    report = client.post(
        "/portal/report/",
        {"submission_key": form.initial["submission_key"],
         "other_text": f"This is {patient.full_name}, born {born:%d/%m/%Y}. "
                       f"Call me on {patient.mobile_phone} or {patient.email}.",
         "worry": "9", "distress": "8",
         "sign_lump_swelling": "on", "severity_lump_swelling": "severe",
         "days_lump_swelling": "4", "trend_lump_swelling": "new"},
    )  # fmt: skip
    assert report.status_code == 302, report.content.decode()[:2000]
    assert client.get(report["Location"]).status_code == 200


def send_the_outbox():
    """What beat and the worker do: open check-ins, make digests, send what is due."""
    reminders.checkins_open_due()
    reminders.nurse_digests_send()
    # The digest waits for the morning; send it now.
    Reminder.objects.filter(kind=ReminderKind.NURSE_DIGEST, status="pending").update(
        send_at=timezone.now()
    )
    return dispatch.send_batch(dispatch.due_ids())


def failed_login(client, username):
    client.logout()
    response = client.post("/accounts/login/", {"username": username, "password": "wrong-one"})
    assert response.status_code in (200, 403, 429)


def test_it_logs_no_patient_details_during_a_full_journey(client, demo, logs, capsys):
    nurse_journey(client)
    patient_journey(client)
    results = send_the_outbox()
    assert results["sent"] >= 2, results
    failed_login(client, "demo-patient")

    assert logs.records, "nothing was captured: is the handler attached?"
    assert any(r.name == "django.request" for r in logs.records)  # the 404 and the 400
    found = offenders(logs.records, list(demo))
    assert not found, "PHI in the logs:\n" + "\n".join(found)
    capsys.readouterr()  # the console email/SMS copies: not logs (see the docstring)


def test_it_names_no_patient_in_the_emails_to_nurses(client, demo, logs):
    patient_journey(client)  # an urgent report: the nurse gets an alert
    send_the_outbox()
    to_staff = [
        message
        for message in mail.outbox
        if any(User.objects.filter(email=address, patient__isnull=True).exists()
               for address in message.to)
    ]  # fmt: skip
    subjects = {message.subject for message in to_staff}
    assert any("Urgent" in subject for subject in subjects), subjects
    assert len(to_staff) >= 2, subjects  # the alert and at least one digest
    for message in to_staff:
        text = "\n".join(
            [message.subject, message.body, *(body for body, _ in message.alternatives)]
        )
        found = [n.what for n in needles(demo) if n.pattern.search(text)]
        assert not found, f"{message.subject!r} to {message.to} names {found}"


def test_it_logs_no_record_number_when_an_invited_patient_mistypes_a_password(client, demo, logs):
    nurse = User.objects.get(username="demo-nurse")
    uninvited = (
        Patient.objects.for_user(nurse)
        .filter(medical_record_number__startswith="DEMO-", user__isnull=True)
        .first()
    )
    sign_in(client, "demo-nurse")
    assert client.post(f"/nurse/patients/{uninvited.pk}/invite/").status_code == 200
    uninvited.refresh_from_db()
    # Portal usernames are random (patient-xxxxxxxx), and axes masks the username of a
    # failed login (AXES_SENSITIVE_PARAMETERS) as well: keep both that way.
    failed_login(client, uninvited.user.username)
    assert uninvited.medical_record_number.lower() not in uninvited.user.username
    assert any(r.name.startswith("axes") for r in logs.records)
    found = offenders(logs.records, [uninvited])
    assert not found, "PHI in the logs:\n" + "\n".join(found)
