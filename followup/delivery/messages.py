"""Turning a Reminder row into the words that are sent.

Templates: templates/emails/<name>-subject.txt, <name>-body.txt, <name>-body.html and
templates/sms/<name>.txt, one of each per message: their words are marked for
translation ({% translate %}, {% blocktranslate %}) and rendered in the reader's
language (issue 21), so the subject, both bodies and the text message are always in the
same language. Messages carry the minimum: no diagnosis, and links lead to the portal
behind login, carrying no personal data.

A reminder can also go to a caregiver the patient chose (``context["caregiver_grant"]``,
``recipient_user`` the caregiver): the same message as the patient's, addressed to the
caregiver, with links to the caregiver's pages and never more than the patient is told.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop

from followup.delivery.transports import Message
from followup.models import PATIENT_KINDS, ItemKind, Reminder, ReminderKind, SharedCareLetter
from followup.rules import prompts
from followup.rules.content import SCAN_WORRY_NOTE
from followup.selectors.preferences import zone_of

# What the patient is told the item is: generic, so no message reveals a diagnosis.
# (Words are translated when the message is rendered, in the reader's language.)
GENERIC_ITEM = {
    ItemKind.VISIT: gettext_noop("follow-up visit"),
    ItemKind.IMAGING: gettext_noop("scan"),
    ItemKind.LAB: gettext_noop("blood test"),
    ItemKind.PROCEDURE: gettext_noop("procedure"),
}
GENERIC_FALLBACK = gettext_noop("follow-up")


def _render(folder: str, name: str, suffix: str, context: dict) -> str:
    return get_template(f"{folder}/{name}{suffix}").render(context).strip()


def is_for_caregiver(reminder: Reminder) -> bool:
    """A copy of a patient's reminder to a caregiver the patient chose (issue 21)."""
    return bool(reminder.context.get("caregiver_grant")) and reminder.recipient_user is not None


def _context(reminder: Reminder, language: str) -> dict:
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
        context["item"] = gettext(GENERIC_ITEM.get(visit.kind, GENERIC_FALLBACK))
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
        context["scan_note"] = gettext(SCAN_WORRY_NOTE)
    checkin = reminder.checkin
    if reminder.kind == ReminderKind.CHECKIN and checkin is not None:
        # Links name only the check-in's number; the pages behind them need sign-in.
        context["checkin_url"] = f"{settings.SITE_URL}/portal/checkin/{checkin.pk}/"
        context["nothing_new_url"] = f"{settings.SITE_URL}/portal/checkin/{checkin.pk}/nothing-new/"
        context["watch"] = [
            words
            for words in (prompts.phrase(code, language) for code in checkin.watch_signs or [])
            if words
        ]
    if reminder.recipient_user is not None:
        user = reminder.recipient_user
        context["given_name"] = user.first_name or user.get_username()
    if is_for_caregiver(reminder):
        # The caregiver's own pages (/care/), no check-in links (the patient's portal
        # pages are not theirs) and no "choose how we remind you" (the patient chooses).
        context.update(
            {
                "for_caregiver": True,
                "patient_name": patient.given_name,
                "portal_url": f"{settings.SITE_URL}/care/",
                "manage_url": "",
                "checkin_url": "",
                "nothing_new_url": "",
            }
        )
    return context


def language_of(reminder: Reminder) -> str:
    # A caregiver has no language setting of their own yet: the clinic's language.
    if is_for_caregiver(reminder):
        return settings.LANGUAGE_CODE
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
        context = _context(reminder, language)
        if channel == "sms":
            text = _sms_text(name, language, context)
            # One text message: name fewer signs (or none) rather than split it.
            while context.get("watch") and not prompts.fits_one_sms(text):
                context["watch"] = context["watch"][:-1]
                text = _sms_text(name, language, context)
            return Message(to=to, subject="", text=text)
        subject = _render("emails", name, "-subject.txt", context)
        text = _render("emails", name, "-body.txt", context)
        # Staff messages have no HTML part; patients' have one in every language.
        html = _render("emails", name, "-body.html", context) if name in _HTML_KINDS else ""
    return Message(
        to=to,
        subject=" ".join(subject.split()),
        text=text,
        html=html,
        attachments=_attachments(reminder),
    )


# Kinds with an HTML part (templates/emails/<kind>-body.html): the patients' messages.
_HTML_KINDS = frozenset(PATIENT_KINDS)


def _sms_text(name: str, language: str, context: dict) -> str:
    """The text message; in Spanish with á, í, ó, ú folded when that keeps it GSM-7
    (160 characters a message instead of UCS-2's 70: "sabado" rather than two texts)."""
    text = _render("sms", name, ".txt", context)
    if language.split("-")[0] == "es":
        text = prompts.fold_to_gsm7(text)
    return text


def _attachments(reminder: Reminder) -> tuple[tuple[str, bytes, str], ...]:
    """The shared-care letter's PDF, exactly as it was made when the nurse sent it."""
    if reminder.kind != ReminderKind.CARE_LETTER:
        return ()
    letter = SharedCareLetter.objects.only("pk", "pdf").get(reminder=reminder)
    return ((f"shared-care-letter-{letter.pk}.pdf", bytes(letter.pdf), "application/pdf"),)
