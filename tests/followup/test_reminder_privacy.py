"""Issue 14, finding 2: every reminder kind, through every template, names no disease.

Each kind is rendered for every channel and every language that has templates, for a
visit whose preparation notes and context are full of diagnosis words. A message may carry
the kind, date, time, place and a portal link, nothing else.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from followup.delivery import messages
from followup.models import CarePlanTemplate, Reminder, ReminderKind
from followup.services.plans import careplan_create
from tests.support.catalogs import spanish_catalog  # noqa: F401 (fixture)

FORBIDDEN = (
    "cancer",
    "tumour",
    "tumor",
    "carcinoma",
    "lymphoma",
    "leukaemia",
    "leukemia",
    "melanoma",
    "sarcoma",
    "oncology",
    "metasta",
    "recurrence",
    "comes back",
    "breast",
    "prostate",
    "colorectal",
    "colon",
    "bowel",
    "ovarian",
    "lung",
    "chemo",
    "radiotherapy",
    "PSA",
    "CEA",
    "CA-125",
    "CA 125",
    "mammogram",
    "mammography",
    "colonoscopy",
    "marker",
    "deodorant",
    # Spanish
    "cáncer",
    "tumores",
    "linfoma",
    "leucemia",
    "metást",
    "recaída",
    "recidiv",
    "mama",
    "seno",
    "próstata",
    "prostat",
    "colorrectal",
    "intestin",
    "ovario",
    "pulmón",
    "pulmon",
    "quimio",
    "radioterapia",
    "marcador",
    "mamograf",
    "colonoscop",
    "desodorante",
)

HOSTILE_NOTES = (
    "A tumour marker (CEA, PSA, CA-125) that can go up if the cancer comes back; "
    "no deodorant before the mammogram; a colonoscopy follows."
)


def languages():
    """The clinic's language ("") and every language a message is translated into:
    language folders of templates, and the Spanish of locale/fragments (issue 21)."""
    found = {"", "es"}
    for folder in ("emails", "sms"):
        for path in (Path(settings.BASE_DIR) / "templates" / folder).iterdir():
            if path.is_dir():
                found.add(path.name)
    return sorted(found)


def leaks(text):
    return [w for w in FORBIDDEN if re.search(rf"(?<![A-Za-z]){re.escape(w)}", text, re.I)]


@pytest.fixture
def visits(diagnosis, nurse):
    plan = careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=400),
        owner=nurse,
    )
    chosen = []
    for kind in ("visit", "imaging", "lab"):
        visit = plan.visits.filter(kind=kind).first()
        if visit is None:
            continue
        visit.scheduled_at = timezone.now() + timedelta(days=7)
        visit.location = "Clinic B, room 4"
        visit.instructions = HOSTILE_NOTES
        visit.save()
        chosen.append(visit)
    assert chosen
    return chosen


NURSE_KINDS = (ReminderKind.NURSE_DIGEST, ReminderKind.NURSE_ALERT)
# Every kind by every channel that sends it: nurse messages here go by email (the nurse's
# SMS alert has a template of its own, tested with the alert wiring).
KIND_CHANNELS = [
    (kind, channel)
    for kind in ReminderKind
    for channel in ("email", "sms")
    if not (channel == "sms" and kind in NURSE_KINDS)
    # The shared-care letter goes to the doctor by email only: tests/followup/test_care_letters.py
    and kind != ReminderKind.CARE_LETTER
]


@pytest.mark.parametrize(("kind", "channel"), KIND_CHANNELS)
@pytest.mark.parametrize("language", languages())
def test_no_reminder_names_a_disease_or_a_test(
    kind,
    channel,
    language,
    visits,
    nurse,
    spanish_catalog,  # noqa: F811
):
    nurse_kind = kind in NURSE_KINDS
    for visit in visits:
        patient = visit.patient
        patient.preferred_language = language or "en"
        patient.save()
        reminder = Reminder(
            kind=kind,
            patient=None if nurse_kind else patient,
            visit=None if nurse_kind else visit,
            recipient_user=nurse if nurse_kind else None,
            send_at=timezone.now(),
            context={"days_before": 1, "overdue": 2, "due_soon": 1, "text": "A new report."},
        )
        message = messages.render(reminder, channel)
        text = " ".join([message.subject, message.text, message.html])
        assert text.strip()
        assert not leaks(text), (kind, channel, language, leaks(text))
        if not nurse_kind:
            assert "/portal/" in text
        if kind in (ReminderKind.APPOINTMENT, ReminderKind.SCAN, ReminderKind.LAB):
            assert "Clinic B, room 4" in text


def test_the_word_list_catches_a_leak():
    assert leaks(HOSTILE_NOTES)
    assert not leaks("Reminder: your blood test on Monday 7 December, Clinic B")
