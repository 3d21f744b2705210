# ruff: noqa: F811 (fixtures imported from other test modules)
"""Issue 21: every message to a patient who reads Spanish is Spanish, all of it.

Subject, text body, HTML body and text message of every patient kind, the signs a
check-in names, and the calendar. The Spanish comes from locale/fragments (compiled by
the ``spanish_catalog`` fixture until the locale merge builds locale/es).
"""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from followup import calendar
from followup.delivery import messages
from followup.models import PATIENT_KINDS, CheckIn, Reminder, ReminderKind
from followup.rules import prompts, signs
from followup.services import reminders
from tests.followup.test_reminder_privacy import leaks, visits  # noqa: F401 (fixture)
from tests.followup.test_symptom_reports import helen_user, plan  # noqa: F401 (fixtures)
from tests.support.catalogs import spanish_catalog  # noqa: F401 (fixture)

# Words of the English templates that must not survive in a Spanish message.
ENGLISH = re.compile(
    r"\b(Hello|reminder|Reminder|your|Your|Please|please|Choose|Settings|Watch|Answer|"
    r"check-in time|blood test|follow-up|scan|Nothing new|Something to tell)\b"
)


def spanish(patient):
    patient.preferred_language = "es"
    patient.save()
    return patient


def reminder_for(kind, visit):
    return Reminder(
        kind=kind,
        patient=visit.patient,
        visit=visit,
        send_at=timezone.now(),
        context={"days_before": 1},
    )


def english_left(text):
    return ENGLISH.findall(text)


@pytest.mark.parametrize("kind", [k for k in PATIENT_KINDS if k != ReminderKind.CHECKIN])
def test_it_writes_every_part_of_every_visit_reminder_in_spanish(
    kind,
    visits,
    spanish_catalog,
):
    for visit in visits:
        spanish(visit.patient)
        email = messages.render(reminder_for(kind, visit), "email")
        sms = messages.render(reminder_for(kind, visit), "sms")
        assert email.subject and email.text and email.html and sms.text
        for part in (email.subject, email.text, email.html, sms.text):
            assert not english_left(part), (kind, english_left(part), part)
            assert not leaks(part), (kind, leaks(part))
        assert "Hola, Helen:" in email.text and "Hola, Helen:" in email.html
        assert "/portal/" in email.text and "/portal/" in sms.text
        assert prompts.sms_encoding(sms.text) == "GSM-7", sms.text


def test_the_scan_reminder_carries_its_kind_note_in_spanish(visits, spanish_catalog):
    scan = next(v for v in visits if v.kind == "imaging")
    spanish(scan.patient)
    email = messages.render(reminder_for(ReminderKind.SCAN, scan), "email")
    assert "Sentir nervios antes de un escáner" in email.text
    assert "Sentir nervios antes de un escáner" in email.html
    assert "Es normal sentir nervios" in messages.render(reminder_for("scan", scan), "sms").text


def test_the_english_reminder_is_unchanged_for_an_english_reader(visits, spanish_catalog):
    visit = visits[0]
    email = messages.render(reminder_for(ReminderKind.APPOINTMENT, visit), "email")
    assert email.subject.startswith("Reminder: your follow-up visit on ")
    assert email.text.startswith("Hello Helen,\n\nThis is a reminder of your follow-up visit")
    assert "  When:  " in email.text and "  Where: Clinic B, room 4" in email.text


def test_a_saturday_stays_one_gsm7_text_in_spanish(visits, spanish_catalog):
    visit = visits[0]
    spanish(visit.patient)
    local = timezone.localtime(visit.scheduled_at)
    saturday = local + timedelta(days=(5 - local.weekday()) % 7)
    visit.scheduled_at = saturday.replace(hour=10, minute=0)
    visit.save()
    email = messages.render(reminder_for(ReminderKind.APPOINTMENT, visit), "email")
    sms = messages.render(reminder_for(ReminderKind.APPOINTMENT, visit), "sms")
    assert "sábado" in email.subject  # email keeps the accents
    assert "sabado" in sms.text and prompts.sms_encoding(sms.text) == "GSM-7"


def test_the_checkin_email_names_this_week_s_signs_in_spanish(plan, spanish_catalog):
    spanish(plan.patient)
    checkin = reminders.checkin_open(plan, timezone.localdate())
    reminder = Reminder.objects.get(kind=ReminderKind.CHECKIN, checkin=checkin)
    email = messages.render(reminder, "email")
    assert email.subject == "Su control de síntomas está listo"
    for code in checkin.watch_signs:
        assert f"- {prompts.phrase(code, 'es')}" in email.text
        assert f"<li>{prompts.phrase(code, 'es')}</li>" in email.html
    assert f"/portal/checkin/{checkin.pk}/nothing-new/" in email.text
    for part in (email.subject, email.text, email.html):
        assert not english_left(part), english_left(part)
        assert not leaks(part)


def test_the_spanish_checkin_text_is_one_gsm7_message_whatever_the_signs(
    plan,
    settings,
    spanish_catalog,
):
    settings.SITE_URL = "https://survivorship-clinic.example.org"
    settings.CLINIC_NAME = "Riverside Survivorship Clinic"
    spanish(plan.patient)
    checkin = reminders.checkin_open(plan, timezone.localdate())
    reminder = Reminder.objects.get(kind=ReminderKind.CHECKIN, checkin=checkin)
    codes = [s.code for s in signs.CATALOGUE if prompts.phrase(s.code, "es")]
    named = set()
    for start in range(0, len(codes), 3):
        CheckIn.objects.filter(pk=checkin.pk).update(watch_signs=codes[start : start + 3])
        reminder.checkin.refresh_from_db()
        text = messages.render(reminder, "sms").text
        assert prompts.sms_encoding(text) == "GSM-7", text
        assert prompts.fits_one_sms(text) and len(text) <= 160, (len(text), text)
        assert text.startswith("Riverside Survivorship Clinic: su control.")
        assert f"/portal/checkin/{checkin.pk}/" in text and not english_left(text)
        named |= {code for code in codes[start : start + 3] if prompts.phrase(code, "es") in text}
    assert named, "signs are named when they fit"
    CheckIn.objects.filter(pk=checkin.pk).update(watch_signs=["lump_swelling"])
    reminder.checkin.refresh_from_db()
    assert "Vigile: un bulto nuevo o una zona hinchada." in messages.render(reminder, "sms").text


def test_every_sign_has_spanish_words_that_name_no_disease_and_stay_gsm7():
    assert set(prompts.PHRASES_ES) == set(prompts.PHRASES)
    for sign in signs.CATALOGUE:
        words = prompts.phrase(sign.code, "es")
        if sign.code in prompts.NOT_PROMPTED:
            assert words is None
            continue
        assert words and words != prompts.phrase(sign.code), sign.code
        assert not leaks(words), (sign.code, leaks(words))
        assert prompts.sms_encoding(words) == "GSM-7", (sign.code, words)
    assert prompts.phrase("lump_swelling", "fr") == prompts.phrase("lump_swelling")


def test_sms_length_says_which_encoding_and_counts_in_it():
    assert prompts.sms_units("ñandú") == ("UCS-2", 5, 70)
    assert prompts.sms_units("año, ¿qué?") == ("GSM-7", 10, 160)
    assert prompts.sms_units("€") == ("GSM-7", 2, 160)
    assert prompts.sms_units("🙂") == ("UCS-2", 2, 70)
    assert prompts.fits_one_sms("á" * 70) and not prompts.fits_one_sms("á" * 71)
    assert prompts.fits_one_sms("ñ" * 160) and not prompts.fits_one_sms("ñ" * 161)
    assert prompts.fold_to_gsm7("sábado, Dónde") == "sabado, Donde"
    assert prompts.fold_to_gsm7("sábado ✓") == "sábado ✓"  # folding cannot make it GSM-7


def test_the_calendar_speaks_the_patient_s_language(visits, spanish_catalog):
    patient = spanish(visits[0].patient)
    body = calendar.patient_calendar(patient=patient, today=timezone.localdate())
    parsed = Calendar.from_ical(body)
    assert str(parsed["X-WR-CALNAME"]) == "Mis citas de seguimiento"
    events = list(parsed.walk("VEVENT"))
    summaries = {str(e["SUMMARY"]) for e in events}
    assert summaries and all(
        s.startswith(("Visita de seguimiento", "Prueba de imagen", "Prueba de sangre"))
        for s in summaries
    ), summaries
    assert any(s.endswith("pendiente (aún sin reservar)") for s in summaries)
    assert {str(e["DESCRIPTION"]) for e in events} == {
        "Los detalles están en su portal de Survivorship."
    }
    assert not leaks(body.decode())
    patient.preferred_language = "en"
    english = Calendar.from_ical(calendar.patient_calendar(patient=patient))
    assert str(english["X-WR-CALNAME"]) == "My follow-up visits"


def test_staff_messages_stay_in_the_clinic_language(visits, nurse, spanish_catalog):
    spanish(visits[0].patient)
    digest = Reminder(
        kind=ReminderKind.NURSE_DIGEST,
        recipient_user=nurse,
        send_at=datetime.now(tz=timezone.get_current_timezone()),
        context={"overdue": 2, "due_soon": 1, "day": "2026-12-01"},
    )
    assert messages.language_of(digest) == "en"
    assert messages.render(digest, "email").html == ""
