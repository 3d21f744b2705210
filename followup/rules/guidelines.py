"""Seed care-plan templates, one per row of ``clinical/surveillance.md``.

Pure data: the ``seed`` step of the app copies these into CarePlanTemplate and
ScheduleRule rows. Month offsets count from the end of active treatment. A guideline
range ("every 3-6 months") is stored as ``interval_min_months``/``interval_max_months``;
the scheduler uses the shorter one for due dates and the longer one for the end of the
due window (see ``followup.rules.scheduling``). "Then yearly" for life is ``until_month=None``.

Where the table marks a figure "[check]", the template has ``needs_clinical_review=True``
and says why in ``notes``. Every template's rules must pass
``scheduling.validate_rules`` (the tests check this).

Warning signs here are the type-specific ones, in our own words; the general list lives
in ``followup.rules.content`` and ``content.warning_signs_for`` joins the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.rules.scheduling import KIND_IMAGING, KIND_LAB, KIND_PROCEDURE, KIND_VISIT, RuleSpec

# Cancer type codes used across the app: (code, label).
CANCER_TYPES: tuple[tuple[str, str], ...] = (
    ("breast", "Breast"),
    ("colorectal", "Colorectal"),
    ("lung", "Lung"),
    ("prostate", "Prostate"),
    ("melanoma", "Melanoma"),
    ("head_neck", "Head and neck"),
    ("cervical", "Cervical"),
    ("endometrial", "Endometrial"),
    ("ovarian", "Ovarian"),
    ("bladder", "Bladder"),
    ("kidney", "Kidney"),
    ("thyroid", "Thyroid"),
    ("hodgkin_lymphoma", "Hodgkin lymphoma"),
    ("non_hodgkin_lymphoma", "Non-Hodgkin lymphoma"),
    ("leukemia", "Leukemia"),
    ("other", "Other"),
)
CANCER_TYPE_CODES: frozenset[str] = frozenset(code for code, _label in CANCER_TYPES)

GENERAL_TEMPLATE_CODE = "general"


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    name: str
    cancer_types: tuple[str, ...]
    source: str
    needs_clinical_review: bool
    warning_signs: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    notes: str = ""


# Grace either side of a due date, by the shorter interval: a week for monthly items, two
# weeks for items a few months apart, three for six-monthly and a month for yearly ones.
def _window_days(interval_min_months: int) -> int:
    if interval_min_months <= 1:
        return 7
    if interval_min_months < 6:
        return 14
    if interval_min_months < 12:
        return 21
    return 30


_VISIT_INSTRUCTIONS = (
    "A check-up with your care team: a chat about how you have been and a physical "
    "exam. It helps to bring a note of any new symptoms, your questions and the "
    "medicines you take."
)


def _visit(
    key: str,
    interval: tuple[int, int],
    months: tuple[int, int | None],
    *,
    label: str = "Check-up visit",
    instructions: str = _VISIT_INSTRUCTIONS,
) -> RuleSpec:
    return RuleSpec(
        key=key,
        kind=KIND_VISIT,
        label=label,
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=_window_days(interval[0]),
        instructions=instructions,
    )


def _imaging(
    key: str,
    modality: str,
    label: str,
    interval: tuple[int, int],
    months: tuple[int, int | None],
    instructions: str,
) -> RuleSpec:
    return RuleSpec(
        key=key,
        kind=KIND_IMAGING,
        label=label,
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=_window_days(interval[0]),
        instructions=instructions,
        modality=modality,
    )


def _lab(
    key: str,
    lab_test: str,
    label: str,
    interval: tuple[int, int],
    months: tuple[int, int | None],
    instructions: str,
) -> RuleSpec:
    return RuleSpec(
        key=key,
        kind=KIND_LAB,
        label=label,
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=_window_days(interval[0]),
        instructions=instructions,
        lab_test=lab_test,
    )


def _procedure(
    key: str,
    procedure: str,
    label: str,
    interval: tuple[int, int],
    months: tuple[int, int | None],
    instructions: str,
) -> RuleSpec:
    return RuleSpec(
        key=key,
        kind=KIND_PROCEDURE,
        label=label,
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=_window_days(interval[0]),
        instructions=instructions,
        procedure=procedure,
    )


# Patient instructions for tests, in plain words.
_MAMMOGRAM = (
    "On the day, please skip deodorant, talc, powder and lotion on your chest and under "
    "your arms, as they can show up on the pictures. A top and trousers or skirt make "
    "changing easier. The squeeze lasts only a few seconds."
)
_CT_CONTRAST = (
    "You may be asked not to eat for a few hours before, and you may get a contrast "
    "drink or injection that makes the pictures clearer. Please tell the team if you have "
    "kidney problems, diabetes or have ever reacted to contrast dye."
)
_LOW_DOSE_CT = (
    "A quick scan of your chest with a low dose of X-rays. There is usually no need to "
    "fast or have an injection. Wear clothes without metal, or you may be given a gown."
)
_PET_CT = (
    "Please do not eat for about six hours before (water is fine) and avoid hard "
    "exercise the day before. Tell the team if you have diabetes, as the preparation is "
    "a little different. Plan for the visit to take a couple of hours."
)
_HEAD_NECK_SCAN = (
    "A scan of the treated area and your neck to give the team a clear picture to "
    "compare with later. The team will tell you which scan and how to prepare; remove "
    "earrings, necklaces and hair clips before the scan."
)
_SIMPLE_BLOOD_TEST = "A simple blood test. You do not need to fast."
_CEA = (
    "A simple blood test; you do not need to fast. It measures a marker that can go up "
    "if the cancer comes back, so the team looks at the trend over time."
)
_PSA = (
    "A simple blood test; you do not need to fast. A urine infection, ejaculation or a "
    "long bike ride in the two days before can nudge PSA up a little, so mention it if "
    "any of these apply."
)
_COLONOSCOPY = (
    "The day before, you will clear your bowel with a special drink; the team will send "
    "you the exact steps. You will likely be given something to help you relax, so "
    "please arrange for someone to take you home."
)
_SKIN_VISIT = (
    "A check-up with a full skin exam from head to toe, including the scar and the "
    "glands nearby. Please come without nail polish or heavy make-up, and point out any "
    "spot that worries you."
)
_SCAN_VISIT = (
    "A check-up planned alongside your scan, so you can talk through the results and "
    "how you have been feeling."
)


BREAST = TemplateSpec(
    code="breast",
    name="Breast cancer",
    cancer_types=("breast",),
    source="ASCO, Khatcheressian, JCO 2013",
    needs_clinical_review=False,
    warning_signs=(
        "A lump, thickening or other change in the breast, chest wall, scar or armpit",
        "Changes in the skin or nipple, such as redness, dimpling or fluid leaking",
        "Pain in your bones, back or hips that does not go away",
    ),
    rules=(
        _visit("breast_visit_y1_3", (3, 6), (0, 36)),
        _visit("breast_visit_y4_5", (6, 12), (36, 60)),
        _visit("breast_visit_yearly", (12, 12), (60, None)),
        _imaging("breast_mammogram", "mammogram", "Mammogram", (12, 12), (0, None), _MAMMOGRAM),
    ),
    notes=(
        "Mammogram: the guideline asks for the first one a year after the mammogram that "
        "found the cancer and at least 6 months after radiation, then yearly. Counting "
        "from the end of treatment, the template puts the first at month 12, which meets "
        "both conditions; bring it forward if the diagnostic mammogram was more than a "
        "year earlier and radiation ended at least 6 months before. No routine CT, PET, "
        "bone scan, MRI, chest X-ray or liver ultrasound, and no routine blood tests or "
        "tumour markers (CBC, chemistries, CEA, CA 15-3, CA 27.29): order them for "
        "symptoms only."
    ),
)

COLORECTAL = TemplateSpec(
    code="colorectal",
    name="Colorectal cancer",
    cancer_types=("colorectal",),
    source="ASCO endorsement of CCO, Meyerhardt, JCO 2013",
    needs_clinical_review=True,
    warning_signs=(
        "A change in your bowel habits that lasts, such as looser or narrower stools or "
        "constipation",
        "Belly pain, cramps or bloating that keep coming back",
        "Yellowing of your skin or the whites of your eyes",
        "Feeling unusually tired or weak",
    ),
    rules=(
        _visit("crc_visit_y1_5", (3, 6), (0, 60)),
        _lab("crc_cea_y1_5", "cea", "CEA blood test", (3, 6), (0, 60), _CEA),
        _imaging(
            "crc_ct_y1_3",
            "ct_chest_abdomen",
            "CT scan of the chest and belly",
            (12, 12),
            (0, 36),
            _CT_CONTRAST,
        ),
        _procedure(
            "crc_colonoscopy_first", "colonoscopy", "Colonoscopy", (12, 12), (0, 12), _COLONOSCOPY
        ),
        _procedure(
            "crc_colonoscopy_repeat",
            "colonoscopy",
            "Colonoscopy",
            (60, 60),
            (12, None),
            _COLONOSCOPY,
        ),
    ),
    notes=(
        "[check] Colonoscopy 'then about every 5 years' is not confirmed against the "
        "current guideline text: the template plans one at month 12, then every 60 months. "
        "If a colonoscopy finds polyps, the next one is usually sooner. Visits and CEA run "
        "for 5 years; the table gives no routine items after that apart from colonoscopy."
    ),
)

LUNG = TemplateSpec(
    code="lung",
    name="Lung cancer (stage I-III NSCLC, SCLC)",
    cancer_types=("lung",),
    source="ASCO, Schneider, JCO 2020",
    needs_clinical_review=False,
    warning_signs=(
        "A new cough, or a cough that changes or will not go away",
        "Coughing up blood",
        "Getting out of breath more easily than before",
        "Chest pain",
        "New headaches, or problems with balance or eyesight",
    ),
    rules=(
        _visit(
            "lung_visit_y1_2",
            (6, 6),
            (0, 24),
            label="Check-up visit (with your scan)",
            instructions=_SCAN_VISIT,
        ),
        _imaging("lung_ct_y1_2", "ct_chest", "Chest CT scan", (6, 6), (0, 24), _CT_CONTRAST),
        _visit(
            "lung_visit_yearly",
            (12, 12),
            (24, None),
            label="Check-up visit (with your scan)",
            instructions=_SCAN_VISIT,
        ),
        _imaging(
            "lung_ldct_yearly",
            "low_dose_ct_chest",
            "Low-dose chest CT scan",
            (12, 12),
            (24, None),
            _LOW_DOSE_CT,
        ),
    ),
    notes=(
        "History and physical exam go with each scan, so each CT has a check-up planned "
        "on the same schedule. No routine PET/CT and no blood markers for follow-up."
    ),
)

PROSTATE = TemplateSpec(
    code="prostate",
    name="Prostate cancer",
    cancer_types=("prostate",),
    source="ACS/ASCO, Resnick, JCO 2015",
    needs_clinical_review=False,
    warning_signs=(
        "Trouble passing urine, a weak flow, or needing to go much more often",
        "Pain in your bones, such as your back, hips or ribs, that does not go away",
        "New weakness or numbness in your legs, or losing control of your bladder or "
        "bowels: call your team straight away",
    ),
    rules=(
        _lab("prostate_psa_y1_5", "psa", "PSA blood test", (6, 12), (0, 60), _PSA),
        _lab("prostate_psa_yearly", "psa", "PSA blood test", (12, 12), (60, None), _PSA),
    ),
    notes=(
        "The guideline row schedules PSA tests only (no routine visits or imaging are "
        "listed); the team reviews each result and books a visit when needed."
    ),
)

MELANOMA_LOW = TemplateSpec(
    code="melanoma_low",
    name="Melanoma, stage IA-IIA",
    cancer_types=("melanoma",),
    source="NCCN",
    needs_clinical_review=False,
    warning_signs=(
        "A new mole or skin spot, or one that changes in size, shape or colour",
        "A spot that itches, bleeds or does not heal",
        "A lump under the skin or near your scar",
        "A swollen gland in your neck, armpit or groin",
    ),
    rules=(
        _visit(
            "mel_low_visit_y1_5",
            (6, 12),
            (0, 60),
            label="Check-up with skin exam",
            instructions=_SKIN_VISIT,
        ),
        _visit(
            "mel_low_visit_yearly",
            (12, 12),
            (60, None),
            label="Check-up with skin exam",
            instructions=_SKIN_VISIT,
        ),
    ),
    notes=(
        "Each visit includes a clinician skin exam, which covers 'at least yearly for "
        "life'. Patients check their own skin regularly between visits. Imaging only for "
        "symptoms; no routine blood tests."
    ),
)

MELANOMA_HIGH = TemplateSpec(
    code="melanoma_high",
    name="Melanoma, stage IIB-IV",
    cancer_types=("melanoma",),
    source="NCCN",
    needs_clinical_review=False,
    warning_signs=MELANOMA_LOW.warning_signs
    + ("New headaches, or changes in eyesight, balance or speech",),
    rules=(
        _visit(
            "mel_high_visit_y1_2",
            (3, 6),
            (0, 24),
            label="Check-up with skin exam",
            instructions=_SKIN_VISIT,
        ),
        _visit(
            "mel_high_visit_y3_5",
            (3, 12),
            (24, 60),
            label="Check-up with skin exam",
            instructions=_SKIN_VISIT,
        ),
        _visit(
            "mel_high_visit_yearly",
            (12, 12),
            (60, None),
            label="Check-up with skin exam",
            instructions=_SKIN_VISIT,
        ),
        _imaging(
            "mel_high_imaging", "ct_or_pet_ct", "CT or PET-CT scan", (3, 12), (0, 36), _PET_CT
        ),
    ),
    notes=(
        "Routine imaging stops between year 3 and 5: the template stops at month 36; "
        "extend the imaging rule to month 60 for patients at higher risk. The shorter "
        "interval (3 months) sets due dates; the team may space scans out to 12 months. "
        "A yearly brain MRI may be considered: it is not scheduled by default, add it "
        "when the oncologist asks for it."
    ),
)

HEAD_NECK = TemplateSpec(
    code="head_neck",
    name="Head and neck cancer",
    cancer_types=("head_neck",),
    source="NCCN 2013; ACS head & neck survivorship guideline",
    needs_clinical_review=False,
    warning_signs=(
        "A sore or ulcer in your mouth or throat that does not heal",
        "A hoarse voice or other voice change that lasts",
        "Trouble or pain when swallowing",
        "A lump in your neck",
        "Ear pain on one side, or bleeding from the mouth or nose",
    ),
    rules=(
        _visit("hn_visit_y1", (1, 3), (0, 12)),
        _visit("hn_visit_y2", (2, 6), (12, 24)),
        _visit("hn_visit_y3_5", (4, 8), (24, 60)),
        _visit("hn_visit_yearly", (12, 12), (60, None)),
        _imaging(
            "hn_baseline_imaging",
            "head_neck_baseline",
            "Baseline scan of the treated area and neck",
            (3, 6),
            (0, 3),
            _HEAD_NECK_SCAN,
        ),
    ),
    notes=(
        "Baseline imaging 'within 6 months of treatment' is one item due at month 3 whose "
        "window ends at month 6. TSH every 6-12 months after neck radiation comes from the "
        "treatment record (followup/rules/late_effects.py), not from this template."
    ),
)

CERVICAL = TemplateSpec(
    code="cervical",
    name="Cervical cancer",
    cancer_types=("cervical",),
    source="NCCN (via 2024 review)",
    needs_clinical_review=False,
    warning_signs=(
        "Bleeding from the vagina that is unusual for you, such as after sex or after the "
        "menopause",
        "Discharge from the vagina that is new or unusual",
        "Pain in your pelvis, lower back or legs",
        "Swelling in one or both legs",
    ),
    rules=(
        _visit("cx_visit_y1_2", (3, 6), (0, 24)),
        _visit("cx_visit_y3_5", (6, 12), (24, 60)),
        _visit("cx_visit_yearly", (12, 12), (60, None)),
    ),
    notes=(
        "Imaging only for symptoms. Cervical or vaginal smear tests are not routinely part "
        "of follow-up."
    ),
)

HODGKIN_LYMPHOMA = TemplateSpec(
    code="hodgkin_lymphoma",
    name="Hodgkin lymphoma",
    cancer_types=("hodgkin_lymphoma",),
    source="NCCN (patient guideline 2015)",
    needs_clinical_review=False,
    warning_signs=(
        "Swollen glands in your neck, armpit or groin, often without pain",
        "Night sweats that soak your clothes or bedding",
        "Fevers that come and go with no clear cause",
        "Itching all over that does not go away",
    ),
    rules=(
        _visit("hl_visit_y1_2", (3, 6), (0, 24)),
        _visit("hl_visit_y3", (6, 12), (24, 36)),
        _visit("hl_visit_yearly", (12, 12), (36, None)),
        _imaging("hl_ct_first_year", "ct", "CT scan", (6, 12), (0, 6), _CT_CONTRAST),
    ),
    notes=(
        "Visits every 3-6 months 'for 1-2 years': the template uses 2 years. The CT 'within "
        "the first 12 months' is one item due at month 6 whose window ends at month 12; "
        "later imaging only as indicated. TSH after neck radiation and breast screening "
        "after chest radiation come from the treatment record "
        "(followup/rules/late_effects.py), not from this template."
    ),
)

GENERAL = TemplateSpec(
    code=GENERAL_TEMPLATE_CODE,
    name="General follow-up (other cancers)",
    cancer_types=(),
    source=(
        "Common pattern across the guideline rows in clinical/surveillance.md, not a "
        "guideline of its own [check]"
    ),
    needs_clinical_review=True,
    warning_signs=(),
    rules=(
        _visit("gen_visit_y1_2", (3, 6), (0, 24)),
        _visit("gen_visit_y3_5", (6, 12), (24, 60)),
        _visit("gen_visit_yearly", (12, 12), (60, None)),
    ),
    notes=(
        "[check] Fallback for cancers without their own template: a common pattern "
        "across the other rows, not a guideline. Add the scans, blood tests and "
        "type-specific warning signs the oncologist asks for."
    ),
)

TEMPLATES: tuple[TemplateSpec, ...] = (
    BREAST,
    COLORECTAL,
    LUNG,
    PROSTATE,
    MELANOMA_LOW,
    MELANOMA_HIGH,
    HEAD_NECK,
    CERVICAL,
    HODGKIN_LYMPHOMA,
    GENERAL,
)


def template_by_code(code: str) -> TemplateSpec:
    """The seed template with this code; KeyError if there is none."""
    for template in TEMPLATES:
        if template.code == code:
            return template
    raise KeyError(code)


def templates_for_cancer_type(cancer_type: str) -> tuple[TemplateSpec, ...]:
    """Seed templates that fit a cancer type, or the general one when none does.

    Melanoma has two (by stage): ``suggested_template`` picks one; the nurse decides.
    """
    matches = tuple(t for t in TEMPLATES if cancer_type in t.cancer_types)
    return matches or (template_by_code(GENERAL_TEMPLATE_CODE),)


# Stage groups that follow the closer melanoma schedule: IIB to IV (NCCN melanoma
# follow-up, as the two templates' names and rows above have it). An unknown or blank
# stage suggests the lower-risk template, and the nurse can pick the other.
_MELANOMA_HIGH_STAGES = ("IIB", "IIC", "III", "IV")


def suggested_template(cancer_type: str, stage_group: str = "") -> TemplateSpec:
    """The template offered first for a diagnosis: by cancer type, and for melanoma by stage."""
    if cancer_type == "melanoma":
        stage = (stage_group or "").strip().upper().removeprefix("STAGE ").lstrip("PCY")
        return MELANOMA_HIGH if stage.startswith(_MELANOMA_HIGH_STAGES) else MELANOMA_LOW
    return templates_for_cancer_type(cancer_type)[0]
