"""The warning signs a patient reads, as translation message ids.

Signs reach the patient as stored English: the general ones from
``content.GENERAL_WARNING_SIGNS`` and each plan's own from
``CarePlan.warning_signs_snapshot``, copied from its template (seeded from
``guidelines.TEMPLATES``, editable in the admin). The stored text stays English, the
nurse's language; ``sign_label`` shows it in the active language when there is a
translation, and as stored otherwise (a sign typed in the admin, say).

Every seeded template's sign is listed here so ``makemessages`` finds it; the tests
check that each sign in the database has a Spanish translation.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from followup.rules.content import GENERAL_WARNING_SIGNS

# The signs of the seeded templates (followup.rules.guidelines), each once.
TEMPLATE_SIGN_TEXTS: tuple[str, ...] = (
    gettext_noop("A lump, thickening or other change in the breast, chest wall, scar or armpit"),
    gettext_noop("Changes in the skin or nipple, such as redness, dimpling or fluid leaking"),
    gettext_noop("Pain in your bones, back or hips that does not go away"),
    gettext_noop(
        "A change in your bowel habits that lasts, such as looser or narrower "
        "stools or constipation"
    ),
    gettext_noop("Belly pain, cramps or bloating that keep coming back"),
    gettext_noop("Yellowing of your skin or the whites of your eyes"),
    gettext_noop("Feeling unusually tired or weak"),
    gettext_noop("A new cough, or a cough that changes or will not go away"),
    gettext_noop("Coughing up blood"),
    gettext_noop("Getting out of breath more easily than before"),
    gettext_noop("Chest pain"),
    gettext_noop("New headaches, or problems with balance or eyesight"),
    gettext_noop("Trouble passing urine, a weak flow, or needing to go much more often"),
    gettext_noop("Pain in your bones, such as your back, hips or ribs, that does not go away"),
    gettext_noop(
        "New weakness or numbness in your legs, or losing control of your "
        "bladder or bowels: call your team straight away"
    ),
    gettext_noop("A new mole or skin spot, or one that changes in size, shape or colour"),
    gettext_noop("A spot that itches, bleeds or does not heal"),
    gettext_noop("A lump under the skin or near your scar"),
    gettext_noop("A swollen gland in your neck, armpit or groin"),
    gettext_noop("New headaches, or changes in eyesight, balance or speech"),
    gettext_noop("A sore or ulcer in your mouth or throat that does not heal"),
    gettext_noop("A hoarse voice or other voice change that lasts"),
    gettext_noop("Trouble or pain when swallowing"),
    gettext_noop("A lump in your neck"),
    gettext_noop("Ear pain on one side, or bleeding from the mouth or nose"),
    gettext_noop(
        "Bleeding from the vagina that is unusual for you, such as after sex or after the menopause"
    ),
    gettext_noop("Discharge from the vagina that is new or unusual"),
    gettext_noop("Pain in your pelvis, lower back or legs"),
    gettext_noop("Swelling in one or both legs"),
    gettext_noop("Swollen glands in your neck, armpit or groin, often without pain"),
    gettext_noop("Night sweats that soak your clothes or bedding"),
    gettext_noop("Fevers that come and go with no clear cause"),
    gettext_noop("Itching all over that does not go away"),
)

GENERAL_SIGN_TEXTS: tuple[str, ...] = tuple(label for _code, label in GENERAL_WARNING_SIGNS)


def sign_label(label: str) -> str:
    """A stored (English) sign in the active language; unknown signs as stored."""
    text = label.strip()
    return gettext(text) if text else label
