"""Late effects: screening that a treatment exposure calls for. Pure, no ORM.

The cancer-type template (``followup.guidelines``) schedules surveillance for the cancer;
this table schedules screening for what the treatment itself may cause, the way the
Children's Oncology Group Long-Term Follow-Up (COG LTFU) Guidelines and Passport for Care
plan from exposures. ``exposure_rules`` turns a patient's treatment facts into
``RuleSpec`` rows for the same scheduler, each with its reason, source, who does it and a
"needs clinical review" flag. The table is documented in ``docs/late-effects.md`` and
tested row by row in ``tests/followup/test_late_effects.py``.

Month offsets count from the plan's anchor (the end of active treatment), like the
template rules; a rule that starts at a calendar date (breast screening at age 25) is
converted to an offset here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from followup.rules.scheduling import KIND_IMAGING, KIND_LAB, KIND_PROCEDURE, RuleSpec

# Who does an item (ASCO's care-plan template says who does what).
ONCOLOGY = "oncology"
PRIMARY_CARE = "primary_care"
PATIENT = "patient"
RESPONSIBLE_CHOICES: tuple[tuple[str, str], ...] = (
    (ONCOLOGY, "Cancer team"),
    (PRIMARY_CARE, "Primary-care doctor"),
    (PATIENT, "You (the patient)"),
)

# Anthracycline cardiotoxicity conversion to doxorubicin-equivalent dose (multiply the
# agent's cumulative mg/m² by the factor). Source: Feijen et al., JAMA Oncol 2019
# (harmonised equivalence ratios for cardiomyopathy), adopted by the COG LTFU
# Guidelines v6.0 (2023). Older COG versions (v5.0) used daunorubicin 0.5, epirubicin
# 0.67 and mitoxantrone 4. Needs clinical review before use outside the demo.
ANTHRACYCLINE_FACTORS: dict[str, Decimal] = {
    "doxorubicin": Decimal("1"),
    "daunorubicin": Decimal("0.6"),
    "epirubicin": Decimal("0.8"),
    "idarubicin": Decimal("5"),
    "mitoxantrone": Decimal("10"),
}
AROMATASE_INHIBITORS = frozenset({"anastrozole", "letrozole", "exemestane"})
ANDROGEN_DEPRIVATION = frozenset(
    {"leuprolide", "goserelin", "triptorelin", "degarelix", "relugolix", "abiraterone"}
)
PLATINUM_OTOTOXIC = frozenset({"cisplatin"})

# Radiation sites that count as chest or neck fields for the rules below.
CHEST_SITES = frozenset({"chest", "mantle", "breast", "mediastinum", "whole_lung", "tbi"})
NECK_SITES = frozenset({"neck", "head_neck", "mantle", "thyroid", "tbi"})

# Cumulative doxorubicin-equivalent dose and chest radiation dose at which the echo
# schedule tightens from every 5 years to every 2 (COG LTFU v5.0/v6.0 cardiomyopathy
# section; Armenian et al., JCO 2017 "high risk": doxorubicin-equivalent >= 250 mg/m²,
# chest RT >= 30 Gy, or lower doses of both together). Needs clinical review.
ECHO_HIGH_DOSE_MG_M2 = Decimal("250")
ECHO_HIGH_RT_GY = Decimal("30")
ECHO_COMBINED_DOSE_MG_M2 = Decimal("100")
ECHO_COMBINED_RT_GY = Decimal("15")
BREAST_RT_MIN_GY = Decimal("10")
BREAST_RT_MAX_AGE = 30
BREAST_START_AGE = 25
BREAST_START_YEARS_AFTER_RT = 8


@dataclass(frozen=True, slots=True)
class TreatmentFact:
    """What the rules need from one treatment row."""

    modality: str
    started_on: date
    ended_on: date | None = None
    agent: str = ""
    dose_mg_m2: Decimal | None = None
    radiation_site: str = ""
    radiation_dose_gy: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ExposureRule:
    spec: RuleSpec
    reason: str
    source: str
    responsible: str
    needs_clinical_review: bool = True


def doxorubicin_equivalent(agent: str, dose_mg_m2: Decimal | None) -> Decimal:
    """Doxorubicin-equivalent mg/m² of one agent's cumulative dose (0 if not an anthracycline)."""
    factor = ANTHRACYCLINE_FACTORS.get(agent)
    if factor is None or dose_mg_m2 is None:
        return Decimal("0")
    return (Decimal(dose_mg_m2) * factor).quantize(Decimal("0.1"))


def cumulative_anthracycline(facts: Iterable[TreatmentFact]) -> Decimal:
    return sum((doxorubicin_equivalent(f.agent, f.dose_mg_m2) for f in facts), Decimal("0"))


def _months_between(start: date, later: date) -> int:
    months = (later.year - start.year) * 12 + (later.month - start.month)
    if later.day < start.day:
        months -= 1
    return months


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _year(fact: TreatmentFact) -> int:
    return (fact.ended_on or fact.started_on).year


def _rule(key, kind, label, interval, months, instructions, **test) -> RuleSpec:
    return RuleSpec(
        key=key,
        kind=kind,
        label=label,
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=30 if interval[0] >= 12 else 21,
        instructions=instructions,
        **test,
    )


_ECHO = (
    "An ultrasound scan of your heart. It does not hurt and takes about half an hour. "
    "Some cancer medicines and radiation near the heart can weaken it years later; "
    "this scan finds that early, when it is easiest to treat."
)
_BREAST_MRI = (
    "A breast MRI: you lie on your front inside the scanner for about half an hour. "
    "Radiation to the chest at a young age raises the chance of breast cancer later, so "
    "screening starts earlier than usual."
)
_MAMMOGRAM = (
    "A breast X-ray. On the day, please skip deodorant, talc and lotion on your chest and "
    "under your arms. The squeeze lasts only a few seconds."
)
_TSH = (
    "A simple blood test of how your thyroid is working. Radiation to the neck can slow "
    "the thyroid down over the years; tablets fix that easily once it is found."
)
_DEXA = (
    "A bone density scan (DEXA): you lie still on a table for a few minutes while a low "
    "dose X-ray measures how strong your bones are. Some hormone treatments thin bones."
)
_LIPIDS = "A blood test of your cholesterol. Your doctor may ask you not to eat beforehand."
_GLUCOSE = "A blood test of your blood sugar. Your doctor may ask you not to eat beforehand."
_HEARING = (
    "A hearing test with an audiologist: you listen for quiet sounds through headphones. "
    "Cisplatin can affect hearing, especially high sounds."
)

SOURCE_CARDIAC = (
    "ASCO guideline on cardiac dysfunction in survivors (Armenian et al., JCO 2017); "
    "COG LTFU Guidelines (cardiomyopathy)"
)
SOURCE_BREAST = "COG LTFU Guidelines (breast cancer after chest radiation)"
SOURCE_TSH = (
    "clinical/surveillance.md: TSH every 6-12 mo if the neck was irradiated (NCCN 2013; ACS "
    "head & neck guideline), at least yearly after neck radiation (NCCN Hodgkin 2015)"
)
SOURCE_AI = "ASCO/NCCN bone health on aromatase inhibitors (baseline DEXA, then every 2 years)"
SOURCE_ADT = (
    "ACS/ASCO prostate survivorship guideline (Resnick, JCO 2015): bone density, lipids "
    "and glucose on androgen deprivation"
)
SOURCE_CISPLATIN = "COG LTFU Guidelines (ototoxicity after platinum agents)"


def exposure_rules(
    facts: Iterable[TreatmentFact],
    *,
    anchor: date,
    date_of_birth: date | None = None,
    sex: str = "",
    cancer_type: str = "",
) -> list[ExposureRule]:
    """Screening rules that the treatment exposures call for, by key order of the table.

    One rule per screening test, however many treatments call for it: the reason names
    the exposures and their year. Rules the template already covers are dropped by
    ``merge_rules``, not here.
    """
    facts = list(facts)
    out: list[ExposureRule] = []

    # Row 1: anthracyclines and/or chest radiation -> echocardiogram by dose.
    dox = cumulative_anthracycline(facts)
    anthra = [f for f in facts if f.agent in ANTHRACYCLINE_FACTORS]
    chest = [f for f in facts if f.modality == "radiation" and f.radiation_site in CHEST_SITES]
    chest_gy = max((f.radiation_dose_gy or Decimal("0") for f in chest), default=Decimal("0"))
    if anthra or chest:
        high = (
            dox >= ECHO_HIGH_DOSE_MG_M2
            or chest_gy >= ECHO_HIGH_RT_GY
            or (dox >= ECHO_COMBINED_DOSE_MG_M2 and chest_gy >= ECHO_COMBINED_RT_GY)
        )
        why = []
        if anthra:
            why.append(f"anthracyclines ({dox} mg/m² doxorubicin-equivalent), {_year(anthra[0])}")
        if chest:
            why.append(f"chest radiation ({chest_gy} Gy), {_year(chest[0])}")
        reason = "Because of " + " and ".join(why)
        every = 24 if high else 60
        risk = "higher" if high else "lower"
        reason += f": {risk} heart risk, an echo every {every // 12} years."
        out.append(
            ExposureRule(
                _rule("le_echo_baseline", KIND_IMAGING, "Heart scan (echocardiogram)",
                      (12, 12), (0, 12), _ECHO, modality="echocardiogram"),
                reason, SOURCE_CARDIAC, ONCOLOGY,
            )
        )  # fmt: skip
        out.append(
            ExposureRule(
                _rule("le_echo", KIND_IMAGING, "Heart scan (echocardiogram)",
                      (every, every), (12, None), _ECHO, modality="echocardiogram"),
                reason, SOURCE_CARDIAC, PRIMARY_CARE,
            )
        )  # fmt: skip

    # Row 2: chest radiation >= 10 Gy before age 30 -> yearly breast MRI and mammogram
    # from 8 years after radiation or age 25, whichever is later. COG applies it to
    # females; with sex not recorded the rule is kept (a nurse removes it if needed).
    young_chest = [
        f
        for f in chest
        if (f.radiation_dose_gy or 0) >= BREAST_RT_MIN_GY
        and date_of_birth is not None
        and _age_on(date_of_birth, f.started_on) < BREAST_RT_MAX_AGE
    ]
    if young_chest and sex != "male":
        first = young_chest[0]
        rt_end = first.ended_on or first.started_on
        begins = max(
            _add_years(rt_end, BREAST_START_YEARS_AFTER_RT),
            _add_years(date_of_birth, BREAST_START_AGE),
        )
        start_month = max(0, _months_between(anchor, begins) - 12)
        reason = f"Because of chest radiation, {_year(first)}, before age {BREAST_RT_MAX_AGE}."
        for key, modality, label, text in (
            ("le_breast_mri", "mri", "Breast MRI", _BREAST_MRI),
            ("le_mammogram", "mammogram", "Mammogram", _MAMMOGRAM),
        ):
            out.append(
                ExposureRule(
                    _rule(key, KIND_IMAGING, label, (12, 12), (start_month, None), text,
                          modality=modality),
                    reason, SOURCE_BREAST, PRIMARY_CARE,
                )
            )  # fmt: skip

    # Row 3: neck radiation -> TSH (replaces the template's unconditional TSH rules).
    neck = [f for f in facts if f.modality == "radiation" and f.radiation_site in NECK_SITES]
    if neck:
        interval = (6, 12) if cancer_type == "head_neck" else (12, 12)
        out.append(
            ExposureRule(
                _rule("le_tsh", KIND_LAB, "Thyroid blood test (TSH)", interval, (0, None),
                      _TSH, lab_test="tsh"),
                f"Because of neck radiation, {_year(neck[0])}.", SOURCE_TSH, PRIMARY_CARE,
                needs_clinical_review=False,
            )
        )  # fmt: skip

    # Row 4: aromatase inhibitors -> bone density at baseline and every 2 years.
    ai = [f for f in facts if f.agent in AROMATASE_INHIBITORS]
    # Row 5: androgen deprivation -> bone density, lipids and glucose.
    adt = [f for f in facts if f.agent in ANDROGEN_DEPRIVATION]
    if ai or adt:
        first = (ai or adt)[0]
        what = "an aromatase inhibitor" if ai else "hormone treatment that lowers testosterone"
        reason = f"Because of {what} ({first.agent}), {first.started_on.year}."
        source = SOURCE_AI if ai else SOURCE_ADT
        out.append(
            ExposureRule(
                _rule("le_dexa_baseline", KIND_IMAGING, "Bone density scan (DEXA)", (1, 3),
                      (0, 1), _DEXA, modality="dexa"),
                reason, source, ONCOLOGY,
            )
        )  # fmt: skip
        out.append(
            ExposureRule(
                _rule("le_dexa", KIND_IMAGING, "Bone density scan (DEXA)", (24, 24), (1, 61),
                      _DEXA, modality="dexa"),
                reason, source, PRIMARY_CARE,
            )
        )  # fmt: skip
    if adt:
        reason = f"Because of hormone treatment that lowers testosterone, {adt[0].started_on.year}."
        for key, test, label, text in (
            ("le_lipids", "lipids", "Cholesterol blood test", _LIPIDS),
            ("le_glucose", "glucose", "Blood sugar test", _GLUCOSE),
        ):
            out.append(
                ExposureRule(
                    _rule(key, KIND_LAB, label, (12, 12), (0, None), text, lab_test=test),
                    reason, SOURCE_ADT, PRIMARY_CARE,
                )
            )  # fmt: skip

    # Row 6: cisplatin -> a hearing check after treatment (repeat as the audiologist says).
    cis = [f for f in facts if f.agent in PLATINUM_OTOTOXIC]
    if cis:
        out.append(
            ExposureRule(
                _rule("le_hearing", KIND_PROCEDURE, "Hearing test", (3, 6), (0, 3), _HEARING,
                      procedure="audiogram"),
                f"Because of cisplatin, {_year(cis[0])}.", SOURCE_CISPLATIN, ONCOLOGY,
            )
        )  # fmt: skip
    return out


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def merge_rules(
    template_rules: Iterable[RuleSpec], exposure: Iterable[ExposureRule]
) -> tuple[list[RuleSpec], dict[str, ExposureRule]]:
    """The template's rules plus the exposure rules it does not already cover.

    A template rule and an exposure rule check the same thing when their ``test_key``
    (kind, modality, lab test, procedure) is equal: the template's rule is kept (it was
    chosen for the cancer) and the exposure rule is dropped, so no test appears twice.
    Returns the joined rules and, by rule key, the exposure rules that were added.
    """
    rules = list(template_rules)
    taken = {rule.test_key for rule in rules}
    added: dict[str, ExposureRule] = {}
    for item in exposure:
        if item.spec.test_key in taken:
            continue
        rules.append(item.spec)
        added[item.spec.key] = item
    return rules, added
