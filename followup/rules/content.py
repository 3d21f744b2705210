"""Patient-facing text shown in the portal, on care plans and in reminders.

Written for this project in plain, kind words. The facts follow the project's seed
pages (``seeds/``); the wording is our own. Do not paste text from the seed pages or
from licensed questionnaires (PRO-CTCAE, FCRI) here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

# The general warning signs of recurrence: (code, label). The codes are stored with
# symptom reports, so keep them stable; the labels may be reworded.
GENERAL_WARNING_SIGNS: tuple[tuple[str, str], ...] = (
    ("previous_symptoms", gettext_noop("Symptoms you had before your diagnosis coming back")),
    ("lump_swelling", gettext_noop("A new lump, bump or swelling that has no clear cause")),
    ("pain", gettext_noop("Pain that has no clear cause and does not go away")),
    ("weight_loss", gettext_noop("Losing weight when you are not trying to")),
    ("bleeding_bruising", gettext_noop("Bleeding or bruising more easily than usual")),
    (
        "rash_allergy",
        gettext_noop("A rash or a sign of allergy, such as swelling, strong itching or wheezing"),
    ),
    ("fever_chills_headache", gettext_noop("Fevers, chills, or headaches that keep coming back")),
    ("breathless_cough", gettext_noop("A cough or shortness of breath that does not clear up")),
    ("blood_stool_urine", gettext_noop("Blood in your stool (poo) or urine (pee)")),
    (
        "nausea_appetite_swallowing",
        gettext_noop(
            "Feeling or being sick, diarrhea, not feeling like eating, or trouble swallowing"
        ),
    ),
    (
        "other_unusual",
        gettext_noop(
            "Anything else that feels unusual to you, or that your care team asked you to "
            "look out for"
        ),
    ),
)

# Things a survivor can do to lower the chance of cancer coming back: (title, text).
RISK_LOWERING_ADVICE: tuple[tuple[str, str], ...] = (
    (
        gettext_noop("Aim for a healthy weight"),
        gettext_noop(
            "If you carry extra weight, reaching a healthier weight and staying there may "
            "lower the chance of cancer coming back. Small, steady changes count, and your "
            "team can put you in touch with a dietitian."
        ),
    ),
    (
        gettext_noop("Keep moving"),
        gettext_noop(
            "People who stay active after cancer tend to live longer and are less likely to "
            "have their cancer return. Activity can also ease tiredness, low mood and stress. "
            "Ask your team what is safe for you, then build up bit by bit."
        ),
    ),
    (
        gettext_noop("Go easy on alcohol"),
        gettext_noop(
            "Drinking no alcohol is best. If you do drink, keep to at most one drink a day "
            "for women and two for men."
        ),
    ),
    (
        gettext_noop("Stay away from tobacco"),
        gettext_noop(
            "Stopping smoking lowers the chance of cancer coming back and of a new cancer, "
            "and helps you feel better day to day. It is never too late, and support to quit "
            "really helps."
        ),
    ),
    (
        gettext_noop("Ask before taking supplements"),
        gettext_noop(
            "Vitamins, herbs and other supplements have not been shown to keep cancer away, "
            "and large doses can even do harm. Please talk to your care team before you start "
            "any."
        ),
    ),
)

# Coping with fear of recurrence: short paragraphs for the portal.
FEAR_OF_RECURRENCE: tuple[str, ...] = (
    gettext_noop(
        "Worrying that the cancer might come back is one of the most common feelings after "
        "treatment. It is a normal reaction, and it does not mean the cancer is back."
    ),
    gettext_noop(
        "For most people the worry is strongest in the first year after treatment and "
        "slowly eases with time."
    ),
    gettext_noop(
        "It often flares up for a while before a scan or a check-up, near an anniversary "
        "such as the date you were diagnosed, or when someone close to you has cancer news. "
        "Knowing this can make those days a little easier to plan for."
    ),
    gettext_noop(
        "Things that help many people: giving the feeling a name instead of pushing it "
        "away, talking it over with someone you trust, writing things down, gentle "
        "exercise, and keeping up with your follow-up plan so you feel more in control."
    ),
    gettext_noop(
        "Tell your care team how you are feeling, especially if the worry does not ease or "
        "gets in the way of daily life. They can explain what to look out for, answer your "
        "questions and put you in touch with a counsellor."
    ),
    gettext_noop(
        "Support groups, in person or online, let you talk with others who have been "
        "through cancer too. Many people find it a relief to be understood."
    ),
)

# Added to scan reminders.
SCAN_WORRY_NOTE: str = gettext_noop(
    "Feeling on edge before a scan is very common and completely understandable. It can "
    "help to plan something kind for yourself around the day, and your care team is "
    "always happy to answer questions."
)


def warning_signs_for(template_signs: Iterable[str]) -> list[str]:
    """Labels to show a patient: the general warning signs, then the template's own.

    Duplicates (ignoring case and surrounding spaces) are dropped, keeping the first
    occurrence, and blank entries are skipped.
    """
    result: list[str] = []
    seen: set[str] = set()
    for label in (*(label for _code, label in GENERAL_WARNING_SIGNS), *template_signs):
        text = label.strip()
        norm = text.casefold()
        if not text or norm in seen:
            continue
        seen.add(norm)
        result.append(text)
    return result
