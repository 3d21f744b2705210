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


# The same signs in Spanish ("usted"), for prompts to a patient who reads Spanish (issue
# 21). Written to stay in GSM-7 like the English ones: no á, í, ó or ú (é, ñ, ü, ¿ and ¡
# are in the GSM-7 table), so a Spanish check-in text stays one message.
PHRASES_ES: dict[str, str] = {
    "lump_swelling": "un bulto nuevo o una zona hinchada",
    "pain": "un dolor que no se va",
    "weight_loss": "perder peso sin querer",
    "bleeding_bruising": "sangrar o tener moratones con facilidad",
    "rash_allergy": "un sarpullido, mucho picor o pitos al respirar",
    "fever_chills_headache": "fiebre, temblores o dolores de cabeza que vuelven una y otra vez",
    "breathless_cough": "tos o falta de aire que no se quita",
    "blood_stool_urine": "sangre en las heces o en la orina",
    "nausea_appetite_swallowing": "ganas de vomitar, falta de apetito o dificultad para tragar",
    "breast:lump": "un bulto, un engrosamiento o un cambio cerca de la cicatriz o la axila",
    "skin_nipple": "cambios en la piel o la areola, como rojeces u hoyuelos",
    "bone_pain": "dolor en los huesos o la espalda que no se va",
    "bowel_change": "un cambio al ir al baño que dura",
    "belly_pain": "dolor de barriga o barriga hinchada que vuelve una y otra vez",
    "jaundice": "color amarillo en la piel o en lo blanco de los ojos",
    "tiredness": "mucho cansancio o debilidad sin motivo",
    "cough": "una tos nueva, o una tos que cambia",
    "haemoptysis": "toser sangre (llame hoy mismo)",
    "breathless": "quedarse sin aliento antes que de costumbre",
    "chest_pain": "dolor en el pecho (llame hoy mismo)",
    "headache_balance": "dolores de cabeza nuevos, o problemas de equilibrio o de vista",
    "urinary": "orinar con dificultad, o tener que ir al baño muy a menudo",
    "leg_weakness": "debilidad o adormecimiento nuevo en las piernas (llame de inmediato)",
    "new_mole": "un lunar o una mancha nueva en la piel, o uno que cambia",
    "spot_bleeds": "una mancha que pica, sangra o no se cura",
    "lump": "un bulto bajo la piel o cerca de la cicatriz",
    "gland": "una zona hinchada en el cuello, la axila o la ingle",
    "headache_vision_speech": "dolores de cabeza nuevos, o cambios en la vista o el habla",
    "sore_ulcer": "una llaga en la boca o la garganta que no se cura",
    "hoarse": "ronquera que dura",
    "swallowing": "dificultad o dolor al tragar",
    "neck_lump": "un bulto en el cuello",
    "ear_pain_bleeding": "dolor en una oreja, o sangrar por la boca o la nariz",
    "vaginal_bleeding": "un sangrado vaginal que no es normal para usted",
    "discharge": "un flujo vaginal nuevo o distinto",
    "pelvic_pain": "dolor en la pelvis, la parte baja de la espalda o las piernas",
    "leg_swelling": "una o ambas piernas hinchadas",
    "swollen_glands": "zonas hinchadas en el cuello, las axilas o las ingles",
    "night_sweats": "sudores por la noche que empapan la cama",
    "fevers": "fiebre que viene y se va",
    "itching": "picor por todo el cuerpo que no se va",
}

# Prompt words by language; any other language gets the English words.
PHRASES_BY_LANGUAGE: dict[str, dict[str, str]] = {"en": PHRASES, "es": PHRASES_ES}


def phrase(code: str, language: str = "en") -> str | None:
    """The prompt words of a sign code; None for a sign that has none (custom, catch-all)."""
    if code in NOT_PROMPTED:
        return None
    words = PHRASES_BY_LANGUAGE.get((language or "en").split("-")[0], PHRASES)
    if code in words:
        return words[code]
    return words.get(code.split(":", 1)[1]) if ":" in code else None


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


UCS2_LIMIT = 70  # a text with any character outside GSM-7 goes as UCS-2 (UTF-16)


def sms_length(text: str) -> int | None:
    """Septets the text takes in GSM-7, or None if it needs UCS-2 (see ``sms_units``)."""
    length = 0
    for char in text:
        if char in _GSM7:
            length += 1
        elif char in _GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def sms_encoding(text: str) -> str:
    """ "GSM-7" when every character is in the GSM 03.38 tables, else "UCS-2"."""
    return "GSM-7" if sms_length(text) is not None else "UCS-2"


def sms_units(text: str) -> tuple[str, int, int]:
    """(encoding, length in that encoding, one message's limit in that encoding).

    GSM-7 counts septets (an extension character takes two) against 160; UCS-2 counts
    UTF-16 code units (a character beyond the BMP, such as an emoji, takes two) against 70.
    """
    septets = sms_length(text)
    if septets is not None:
        return "GSM-7", septets, SMS_LIMIT
    return "UCS-2", len(text.encode("utf-16-le")) // 2, UCS2_LIMIT


def fits_one_sms(text: str) -> bool:
    """One message in the encoding the text needs: 160 septets, or 70 UCS-2 units."""
    _, length, limit = sms_units(text)
    return length <= limit


# Letters of Spanish (and others) outside GSM-7 whose plain form is in it: a Spanish text
# message is sent with them folded ("sabado"), as Spanish texts commonly are, rather than
# as UCS-2 at 70 characters a message. é, ñ, ü, ¿, ¡ are in GSM-7 and stay.
_FOLD = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")


def fold_to_gsm7(text: str) -> str:
    """The text with á, í, ó, ú (and capitals) folded, when that makes it GSM-7."""
    folded = text.translate(_FOLD)
    return folded if sms_length(folded) is not None else text
