"""The warning-sign catalogue: every sign a patient can report, with a stable code.

Pure data and lookups, no database. A code never depends on a database key: the general
signs keep the codes of ``followup.content.GENERAL_WARNING_SIGNS`` ("pain"), and each
care-plan template's own signs are ``"<template code>:<slug>"`` ("prostate:leg_weakness").
Codes are stored with symptom reports: never reuse or rename one. Labels may be
reworded, but ``code_for_label`` matches plans by label, so a relabel here needs a data
migration of ``CarePlan.warning_signs_snapshot`` too.

Each sign may carry a ``level`` of its own, applied whenever it is reported at all,
whatever its severity (``triage`` rule ``red_flag_sign`` for urgent, ``sign_level_review``
for review). ``meanings`` are what the combination and context rules look at, so a
breast-template lump counts as a lump and a Hodgkin-template fever as a fever.

Red-flag sources (``shared/clinical/late-effects-and-red-flags.md``, "Symptoms that cannot
wait"): spinal cord compression, NICE NG234 (2023); coughing up blood, ASCO lung
surveillance (Schneider 2020) and NCCN; new neurological signs, NCCN CNS and the ASCO
melanoma and lung follow-up guidance; chest pain, general emergency practice. A level
marked ``needs_clinical_review`` was set by the team, not read off the source's text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.rules.guidelines import TEMPLATES

URGENT, REVIEW = "urgent", "review"

# Meanings the rules use.
LUMP = "lump"
WEIGHT_LOSS = "weight_loss"
BLOOD = "blood"
FEVER = "fever"
NEURO = "neuro"
CORD_COMPRESSION = "cord_compression"
HAEMOPTYSIS = "haemoptysis"
BLEEDING = "bleeding"
PAIN = "pain"
BREATHLESS = "breathless"
CHEST_PAIN = "chest_pain"
BOWEL = "bowel"
JAUNDICE = "jaundice"

_RED_FLAGS = "shared/clinical/late-effects-and-red-flags.md, Symptoms that cannot wait"
_SEED_000 = "seeds/000 (ACS, signs of recurrence)"


@dataclass(frozen=True)
class SignDef:
    code: str
    label: str
    cancer_type: str | None  # None for the general signs
    template: str | None  # template code in followup.guidelines (None for general)
    level: str | None  # URGENT / REVIEW / None: no level of its own
    meanings: frozenset[str]
    source: str
    needs_clinical_review: bool = False


def _general(code: str, meanings: tuple[str, ...] = (), level: str | None = None) -> SignDef:
    label = dict(GENERAL_WARNING_SIGNS)[code]
    return SignDef(code, label, None, None, level, frozenset(meanings), _SEED_000)


GENERAL_SIGNS: tuple[SignDef, ...] = (
    _general("previous_symptoms"),
    _general("lump_swelling", (LUMP,)),
    _general("pain", (PAIN,)),
    _general("weight_loss", (WEIGHT_LOSS,)),
    _general("bleeding_bruising", (BLEEDING,)),
    _general("rash_allergy"),
    _general("fever_chills_headache", (FEVER,)),
    _general("breathless_cough", (BREATHLESS,)),
    # Blood keeps its own rule (blood_stool_urine), which a known baseline may quieten.
    _general("blood_stool_urine", (BLOOD,)),
    _general("nausea_appetite_swallowing", (BOWEL,)),
    _general("other_unusual"),
)

# Template signs: template code -> ((slug, meanings, level, source, needs_review), ...) in
# the order of the template's ``warning_signs``; a test keeps the two in step.
_TEMPLATE_SIGNS: Mapping[str, tuple[tuple[str, tuple[str, ...], str | None, str, bool], ...]] = {
    "breast": (
        ("lump", (LUMP,), None, "", False),
        ("skin_nipple", (), None, "", False),
        ("bone_pain", (PAIN,), None, "", False),
    ),
    "colorectal": (
        ("bowel_change", (BOWEL,), None, "", False),
        ("belly_pain", (PAIN,), None, "", False),
        # Yellow skin can mean the liver is involved; a person should look within days.
        ("jaundice", (JAUNDICE,), REVIEW, "NCCN colon cancer surveillance", True),
        ("tiredness", (), None, "", False),
    ),
    "lung": (
        ("cough", (BREATHLESS,), None, "", False),
        ("haemoptysis", (HAEMOPTYSIS, BLOOD), URGENT, _RED_FLAGS + ": coughing up blood", False),
        ("breathless", (BREATHLESS,), None, "", False),
        ("chest_pain", (CHEST_PAIN, PAIN), URGENT, _RED_FLAGS + ": chest pain", False),
        ("headache_balance", (NEURO,), URGENT, _RED_FLAGS + ": new neurological signs", False),
    ),
    "prostate": (
        ("urinary", (), None, "", False),
        ("bone_pain", (PAIN,), None, "", False),
        (
            "leg_weakness",
            (CORD_COMPRESSION, NEURO),
            URGENT,
            _RED_FLAGS + ": spinal cord compression (NICE NG234)",
            False,
        ),
    ),
    "melanoma_low": (
        ("new_mole", (), None, "", False),
        ("spot_bleeds", (BLEEDING,), None, "", False),
        ("lump", (LUMP,), None, "", False),
        ("gland", (LUMP,), None, "", False),
    ),
    "melanoma_high": (
        ("new_mole", (), None, "", False),
        ("spot_bleeds", (BLEEDING,), None, "", False),
        ("lump", (LUMP,), None, "", False),
        ("gland", (LUMP,), None, "", False),
        (
            "headache_vision_speech",
            (NEURO,),
            URGENT,
            _RED_FLAGS + ": new neurological signs",
            False,
        ),
    ),
    "head_neck": (
        ("sore_ulcer", (), None, "", False),
        ("hoarse", (), None, "", False),
        ("swallowing", (BOWEL,), None, "", False),
        ("neck_lump", (LUMP,), None, "", False),
        ("ear_pain_bleeding", (PAIN, BLEEDING), None, "", False),
    ),
    "cervical": (
        ("vaginal_bleeding", (BLEEDING,), None, "", False),
        ("discharge", (), None, "", False),
        ("pelvic_pain", (PAIN,), None, "", False),
        ("leg_swelling", (LUMP,), None, "", False),
    ),
    "hodgkin_lymphoma": (
        ("swollen_glands", (LUMP,), None, "", False),
        # Drenching night sweats and fevers are "B symptoms" of lymphoma coming back.
        ("night_sweats", (), REVIEW, "NCCN Hodgkin lymphoma follow-up (B symptoms)", True),
        ("fevers", (FEVER,), REVIEW, "NCCN Hodgkin lymphoma follow-up (B symptoms)", True),
        ("itching", (), None, "", False),
    ),
}


def _template_catalogue() -> tuple[SignDef, ...]:
    result = []
    for spec in TEMPLATES:
        rows = _TEMPLATE_SIGNS.get(spec.code, ())
        if len(rows) != len(spec.warning_signs):
            raise RuntimeError(
                f"followup.rules.signs: template {spec.code!r} signs are out of step"
            )
        cancer_type = spec.cancer_types[0] if spec.cancer_types else None
        for label, (slug, meanings, level, source, review) in zip(
            spec.warning_signs, rows, strict=True
        ):
            result.append(
                SignDef(
                    code=f"{spec.code}:{slug}",
                    label=label,
                    cancer_type=cancer_type,
                    template=spec.code,
                    level=level,
                    meanings=frozenset(meanings),
                    source=source or f"shared/clinical/surveillance.md ({spec.name})",
                    needs_clinical_review=review,
                )
            )
    return tuple(result)


TEMPLATE_SIGNS: tuple[SignDef, ...] = _template_catalogue()
CATALOGUE: tuple[SignDef, ...] = GENERAL_SIGNS + TEMPLATE_SIGNS
_BY_CODE: Mapping[str, SignDef] = MappingProxyType({sign.code: sign for sign in CATALOGUE})


def sign_def(code: str) -> SignDef:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown sign code {code!r}") from None


def find(code: str) -> SignDef | None:
    return _BY_CODE.get(code)


def general_signs() -> tuple[SignDef, ...]:
    return GENERAL_SIGNS


def template_signs(template_code: str) -> tuple[SignDef, ...]:
    return tuple(sign for sign in TEMPLATE_SIGNS if sign.template == template_code)


def _norm_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).casefold()


def code_for_label(template_code: str | None, label: str) -> str | None:
    """The stable code of a plan's sign label, or None when the catalogue lacks it.

    General signs match first (a template that repeats one gets the general code).
    """
    wanted = _norm_label(label)
    for sign in GENERAL_SIGNS:
        if _norm_label(sign.label) == wanted:
            return sign.code
    if template_code is None:
        return None
    for sign in template_signs(template_code):
        if _norm_label(sign.label) == wanted:
            return sign.code
    return None


def meanings_of(code: str) -> frozenset[str]:
    sign = _BY_CODE.get(code)
    return sign.meanings if sign is not None else frozenset()


def level_of(code: str) -> str | None:
    sign = _BY_CODE.get(code)
    return sign.level if sign is not None else None


def label_of(code: str) -> str | None:
    sign = _BY_CODE.get(code)
    return sign.label if sign is not None else None
