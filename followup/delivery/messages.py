"""Turning a Reminder row into the words that are sent.

Templates: templates/emails/<name>-subject.txt, <name>-body.txt, <name>-body.html and
templates/sms/<name>.txt, with a translation under emails/<language>/ or sms/<language>/
used when one exists for the patient's language. Messages carry the minimum: no
diagnosis, and links lead to the portal behind login, carrying no personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import formats, timezone, translation

from followup.delivery.transports import Message
from followup.models import ItemKind, Reminder, ReminderKind, SharedCareLetter
from followup.rules import prompts
from followup.rules.content import SCAN_WORRY_NOTE
from followup.selectors.preferences import zone_of

# What the patient is told the item is: generic, so no message reveals a diagnosis.
GENERIC_ITEM = {
    ItemKind.VISIT: "follow-up visit",
    ItemKind.IMAGING: "scan",
    ItemKind.LAB: "blood test",
    ItemKind.PROCEDURE: "procedure",
}


def _render(folder: str, name: str, suffix: str, language: str, context: dict) -> tuple[str, str]:
    """Render the translation when there is one; say which language was used."""
    template = select_template([f"{folder}/{language}/{name}{suffix}", f"{folder}/{name}{suffix}"])
    used = language if f"/{language}/" in template.origin.name else ""
    return template.render(context).strip(), used


def _context(reminder: Reminder) -> dict:
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "portal_url": f"{settings.SITE_URL}/portal/",
        "manage_url": f"{settings.SITE_URL}/portal/preferences/",
        "nurse_url": f"{settings.SITE_URL}/nurse/",
        **reminder.context,
    }
    patient = reminder.patient
    if patient is not None:
        context["given_name"] = patient.given_name
    visit = reminder.visit
    if visit is not None:
        context["item"] = GENERIC_ITEM.get(visit.kind, "follow-up")
    if visit is not None and visit.scheduled_at is not None:
        local = timezone.localtime(visit.scheduled_at, zone_of(patient))
        context.update(
            {
                "when": formats.date_format(local, "l j F Y, H:i"),
                "location": visit.location,
                # Preparation notes can name the test or the disease: they stay behind
                # login, and the message only says that there are some (issue 14).
                "has_preparation": bool(visit.instructions),
            }
        )
    if reminder.kind == ReminderKind.SCAN:
        context["scan_note"] = SCAN_WORRY_NOTE
    checkin = reminder.checkin
    if reminder.kind == ReminderKind.CHECKIN and checkin is not None:
        # Links name only the check-in's number; the pages behind them need sign-in.
        context["checkin_url"] = f"{settings.SITE_URL}/portal/checkin/{checkin.pk}/"
        context["nothing_new_url"] = f"{settings.SITE_URL}/portal/checkin/{checkin.pk}/nothing-new/"
        context["watch"] = [
            words for words in map(prompts.phrase, checkin.watch_signs or []) if words
        ]
    if reminder.recipient_user is not None:
        user = reminder.recipient_user
        context["given_name"] = user.first_name or user.get_username()
    return context


def language_of(reminder: Reminder) -> str:
    # A letter to the doctor is in the clinic's language, not the patient's.
    if reminder.patient is not None and reminder.kind != ReminderKind.CARE_LETTER:
        return reminder.patient.preferred_language or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


def address_of(reminder: Reminder, channel: str) -> str:
    if reminder.context.get("staff_to"):  # the on-call contact: an address, no account
        return reminder.context["staff_to"]
    if reminder.recipient_user is not None:
        return reminder.recipient_user.email
    patient = reminder.patient
    return patient.mobile_phone if channel == "sms" else patient.email


def render(reminder: Reminder, channel: str) -> Message:
    name = reminder.kind
    language = language_of(reminder)
    to = address_of(reminder, channel)
    with translation.override(language):
        context = _context(reminder)
        if channel == "sms":
            text, _ = _render("sms", name, ".txt", language, context)
            # One text message: name fewer signs (or none) rather than split it.
            while context.get("watch") and not prompts.fits_one_sms(text):
                context["watch"] = context["watch"][:-1]
                text, _ = _render("sms", name, ".txt", language, context)
            return Message(to=to, subject="", text=text)
        subject, _ = _render("emails", name, "-subject.txt", language, context)
        text, used = _render("emails", name, "-body.txt", language, context)
        # The HTML part must be in the same language as the text part, or left out.
        html_name = f"emails/{used}/{name}-body.html" if used else f"emails/{name}-body.html"
        try:
            html = select_template([html_name]).render(context).strip()
        except TemplateDoesNotExist:
            html = ""
    return Message(
        to=to,
        subject=" ".join(subject.split()),
        text=text,
        html=html,
        attachments=_attachments(reminder),
    )


def _attachments(reminder: Reminder) -> tuple[tuple[str, bytes, str], ...]:
    """The shared-care letter's PDF, exactly as it was made when the nurse sent it."""
    if reminder.kind != ReminderKind.CARE_LETTER:
        return ()
    letter = SharedCareLetter.objects.only("pk", "pdf").get(reminder=reminder)
    return ((f"shared-care-letter-{letter.pk}.pdf", bytes(letter.pdf), "application/pdf"),)
