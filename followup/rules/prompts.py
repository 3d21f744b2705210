"""What a check-in prompt asks the patient to watch this week (issue 18). Pure, no ORM.

Each prompt names a few warning signs from the patient's own list: the plan template's
signs first, then the general ones, rotating so that every sign comes up within a few
weeks (MOOVCARE asked about the same short list each week; naming the signs teaches
them as well as asks, as the seed pages ask survivors to know their own signs).

Prompts go by email and SMS, outside the portal: a sign's prompt words must never name a
diagnosis, a body part that gives one away, or a test (the message-privacy test checks
every phrase below). Our own plain words, short enough for one text message.
"""

from __future__ import annotations

from collections.abc import Sequence

from followup.rules import signs

PER_PROMPT = 3
# Catch-alls stay on the form but are not "signs to watch this week".
NOT_PROMPTED = frozenset({"other_unusual", "previous_symptoms"})

# Sign code, or the slug after "<template>:", to the words a prompt uses.
PHRASES: dict[str, str] = {
    # General signs (seeds/000, ACS)
    "lump_swelling": "a new lump or swelling",
    "pain": "pain that does not go away",
    "weight_loss": "losing weight without trying",
    "bleeding_bruising": "bleeding or bruising more easily",
    "rash_allergy": "a rash, strong itching or wheezing",
    "fever_chills_headache": "fevers, chills or headaches that keep coming back",
    "breathless_cough": "a cough or breathlessness that does not clear",
    "blood_stool_urine": "blood in your poo or pee",
    "nausea_appetite_swallowing": "feeling sick, not eating, or trouble swallowing",
    # Template signs, by slug (the same slug means the same words in every template)
    "breast:lump": "a lump, thickening or change near your scar or armpit",
    "skin_nipple": "changes in the skin or nipple, such as redness or dimpling",
    "bone_pain": "pain in your bones or back that does not go away",
    "bowel_change": "a change in your toilet habits that lasts",
    "belly_pain": "belly pain or bloating that keeps coming back",
    "jaundice": "yellowing of your skin or the whites of your eyes",
    "tiredness": "feeling unusually tired or weak",
    "cough": "a new cough, or one that changes",
    "haemoptysis": "coughing up blood (call us the same day)",
    "breathless": "getting out of breath more easily",
    "chest_pain": "chest pain (call us the same day)",
    "headache_balance": "new headaches, or trouble with balance or eyesight",
    "urinary": "trouble passing urine, or going much more often",
    "leg_weakness": "new weakness or numbness in your legs (call us straight away)",
    "new_mole": "a new mole or skin spot, or one that changes",
    "spot_bleeds": "a spot that itches, bleeds or does not heal",
    "lump": "a lump under the skin or near your scar",
    "gland": "a swollen gland in your neck, armpit or groin",
    "headache_vision_speech": "new headaches, or changes in eyesight or speech",
    "sore_ulcer": "a sore in your mouth or throat that does not heal",
    "hoarse": "a hoarse voice that lasts",
    "swallowing": "trouble or pain when swallowing",
    "neck_lump": "a lump in your neck",
    "ear_pain_bleeding": "ear pain on one side, or bleeding from the mouth or nose",
    "vaginal_bleeding": "bleeding from the vagina that is unusual for you",
    "discharge": "discharge from the vagina that is new or unusual",
    "pelvic_pain": "pain in your pelvis, lower back or legs",
    "leg_swelling": "swelling in one or both legs",
    "swollen_glands": "swollen glands in your neck, armpit or groin",
    "night_sweats": "night sweats that soak your bedding",
    "fevers": "fevers that come and go",
    "itching": "itching all over that does not go away",
}


def phrase(code: str) -> str | None:
    """The prompt words of a sign code; None for a sign that has none (custom, catch-all)."""
    if code in NOT_PROMPTED:
        return None
    if code in PHRASES:
        return PHRASES[code]
    return PHRASES.get(code.split(":", 1)[1]) if ":" in code else None


def promptable(template_code: str | None, plan_labels: Sequence[str]) -> list[str]:
    """The patient's signs in prompt order: the template's first, then the general ones.

    Labels the catalogue does not know (a template edited in admin) are left out: their
    words were never checked for privacy.
    """
    ordered: list[str] = []
    for label in plan_labels:
        code = signs.code_for_label(template_code, label)
        if code is not None and code not in ordered and phrase(code) is not None:
            ordered.append(code)
    for sign in signs.GENERAL_SIGNS:
        if sign.code not in ordered and phrase(sign.code) is not None:
            ordered.append(sign.code)
    return ordered


def signs_to_watch(codes: Sequence[str], sequence: int, count: int = PER_PROMPT) -> list[str]:
    """The ``count`` signs of the ``sequence``-th check-in (0, 1, 2 …), rotating.

    Consecutive check-ins take consecutive slices of the list, wrapping around, so every
    sign comes up within ceil(len(codes) / count) check-ins.
    """
    if not codes:
        return []
    count = min(count, len(codes))
    start = (sequence * count) % len(codes)
    return [codes[(start + i) % len(codes)] for i in range(count)]


# --- SMS: one message --------------------------------------------------------------------

SMS_LIMIT = 160
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€")  # two septets each


def sms_length(text: str) -> int | None:
    """Septets the text takes in GSM-7, or None if it needs UCS-2 (70 per message)."""
    length = 0
    for char in text:
        if char in _GSM7:
            length += 1
        elif char in _GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def fits_one_sms(text: str) -> bool:
    length = sms_length(text)
    return length is not None and length <= SMS_LIMIT
