"""Import a FHIR R4 Bundle (a Patient with mCODE conditions, stage, disease status,
cancer-related procedures and medications) from an EHR: create or update the record.

Like the CSV import: all or nothing (one transaction, rolled back on any refusal), every
refused resource listed with its path and reason, matching by identifier and never by
name, and a second import of the same bundle changes nothing. Resource types we do not
hold are skipped with a note; codes outside our tables are kept as text and flagged for
review. The mapping is in patients/fhir/mapping.py and docs/fhir.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from patients.choices import CancerType, DiseaseStatus, Intent, Laterality, Modality
from patients.fhir import mapping as m
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment

SUPPORTED = {
    "Patient",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationRequest",
    "MedicationAdministration",
}
STAGE_CODES = {"21908-9", "21902-2", "21914-7"}
MEDICATION_BY_CODE = {code: modality for modality, (code, _) in m.MEDICATION_MODALITIES.items()}
LATERALITY_BY_TEXT = {label.lower(): value for value, label in Laterality.choices if value}


@dataclass
class ImportResult:
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    review: list[tuple[str, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    patient_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        if self.errors:
            return f"Nothing was imported: {len(self.errors)} problem(s)."
        return (
            f"Imported patient {self.patient_id}: {self.created} record(s) created, "
            f"{self.updated} updated, {len(self.review)} flagged for review, "
            f"{len(self.notes)} resource(s) skipped."
        )


class _Refused(Exception):
    pass


def _codings(concept) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [
        (c.get("system", ""), c.get("code", ""))
        for c in concept.get("coding") or []
        if isinstance(c, dict)
    ]


def _text(concept) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for c in concept.get("coding") or []:
        if isinstance(c, dict) and c.get("display"):
            return str(c["display"])
    return ""


def _date(value, path, result) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        result.errors.append((path, f"'{value}' is not a date (YYYY-MM-DD)."))
        return None


def _profiles(resource) -> list[str]:
    return list((resource.get("meta") or {}).get("profile") or [])


def _detail(resource) -> dict:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == m.STATUS_EXTENSION:
            out = {}
            for sub in ext.get("extension") or []:
                value = sub.get("valueCoding", {}).get("code") or sub.get("valueString")
                out[sub.get("url")] = value
            return out
    return {}


def _ext_code(resource, url) -> str:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            concept = ext.get("valueCoding") or {}
            if "valueCodeableConcept" in ext:
                codes = _codings(ext["valueCodeableConcept"])
                return codes[0][1] if codes else ""
            return concept.get("code", "")
    return ""


def _save(instance, existing, fields, result):
    """Save only what differs, so a second import writes nothing."""
    if existing is None:
        instance.full_clean()
        instance.save()
        result.created += 1
        return instance
    changed = [f for f in fields if getattr(existing, f) != getattr(instance, f)]
    if changed:
        for f in changed:
            setattr(existing, f, getattr(instance, f))
        existing.full_clean()
        existing.save()
        result.updated += 1
    return existing


def import_bundle(*, raw: bytes | str) -> ImportResult:
    result = ImportResult()
    if len(raw) >= settings.FHIR_MAX_IMPORT_BYTES:
        result.errors.append(
            ("Bundle", "The file is 10 MB or more: split it into smaller bundles.")
        )
        return result
    try:
        bundle = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        result.errors.append(("Bundle", "This is not JSON, so not a FHIR Bundle."))
        return result
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        result.errors.append(("Bundle", "This JSON is not a FHIR Bundle (resourceType 'Bundle')."))
        return result
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        result.errors.append(("Bundle.entry", "The bundle has no entries."))
        return result
    by_type: dict[str, list] = {}
    refs: dict[str, dict] = {}
    for i, entry in enumerate(entries):
        path = f"Bundle.entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not resource.get("resourceType"):
            result.errors.append((path, "The entry holds no FHIR resource."))
            continue
        kind = resource["resourceType"]
        if kind not in SUPPORTED:
            result.notes.append((f"{path}.resource", f"{kind} is not imported: skipped."))
            continue
        by_type.setdefault(kind, []).append((f"{path}.resource", resource))
        if resource.get("id"):
            refs[f"{kind}/{resource['id']}"] = resource
        if entry.get("fullUrl"):
            refs[entry["fullUrl"]] = resource
    patients = by_type.get("Patient", [])
    if len(patients) != 1:
        result.errors.append(("Bundle.entry", "The bundle must hold exactly one Patient."))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            _import(by_type, refs, result)
            if result.errors:
                raise _Refused
    except _Refused:
        result.created = result.updated = 0
        result.patient_id = None
    return result


def _identifier(resource) -> str:
    identifiers = [
        i for i in resource.get("identifier") or [] if isinstance(i, dict) and i.get("value")
    ]
    for ident in identifiers:
        if ident.get("system") == m.MRN_SYSTEM:
            return str(ident["value"])
    for ident in identifiers:
        if ("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") in _codings(ident.get("type")):
            return str(ident["value"])
    return str(identifiers[0]["value"]) if identifiers else ""


def _import(by_type, refs, result):
    path, resource = by_type["Patient"][0]
    mrn = _identifier(resource)
    if not mrn:
        result.errors.append(
            (
                f"{path}.identifier",
                "The Patient has no identifier: we match by identifier, never by name.",
            )
        )
        return
    name = (resource.get("name") or [{}])[0]
    given = " ".join(name.get("given") or [])
    family = name.get("family") or ""
    if not given or not family:
        result.errors.append((f"{path}.name", "The Patient needs a given and a family name."))
        return
    telecom = {t.get("system"): t.get("value") for t in resource.get("telecom") or []}
    existing = Patient.objects.filter(medical_record_number=mrn).first()
    patient = Patient(
        medical_record_number=mrn,
        given_name=given,
        family_name=family,
        date_of_birth=_date(resource["birthDate"], f"{path}.birthDate", result)
        if resource.get("birthDate")
        else None,
        sex=m.GENDER_TO_SEX.get(resource.get("gender"), "unknown"),
    )
    if existing is None:
        patient.email = telecom.get("email") or ""
        patient.preferred_channel = "email" if patient.email else "portal"
    fields = ["given_name", "family_name", "date_of_birth", "sex"]
    try:
        patient = _save(patient, existing, fields, result)
    except ValidationError as error:
        result.errors.append((path, "; ".join(error.messages)))
        return
    result.patient_id = patient.pk
    diagnoses = {}
    for path, resource in by_type.get("Condition", []):
        if m.PROFILES["SecondaryCancerCondition"] in _profiles(resource):
            result.notes.append(
                (
                    path,
                    "A secondary (metastatic) condition: recorded through the disease status "
                    "events, not imported on its own.",
                )
            )
            continue
        diagnoses[id(resource)] = _condition(patient, path, resource, result)
    _stages(by_type, refs, diagnoses, result)
    for path, resource in by_type.get("Observation", []):
        codes = {code for system, code in _codings(resource.get("code")) if system == m.LOINC}
        if m.DISEASE_STATUS_CODE[0] in codes:
            diagnosis = _focus(resource, refs, diagnoses, path, result)
            if diagnosis:
                _status(diagnosis, path, resource, result)
        elif not codes & STAGE_CODES:
            result.notes.append(
                (path, "An Observation that is neither stage nor disease status: skipped.")
            )
    for kind in ("Procedure", "MedicationRequest", "MedicationAdministration"):
        for path, resource in by_type.get(kind, []):
            diagnosis = _focus(resource, refs, diagnoses, path, result, key="reasonReference")
            if diagnosis:
                _treatment(diagnosis, kind, path, resource, result)


def _condition(patient, path, resource, result):
    cancer_type = None
    for system, code in _codings(resource.get("code")):
        cancer_type = m.CANCER_BY_CODE.get((system, code))
        if cancer_type is None and system == m.ICD10CM:
            cancer_type = m.ICD_CATEGORY.get(code.split(".")[0])
        if cancer_type:
            break
    histology = ""
    for note in resource.get("note") or []:
        if str(note.get("text", "")).startswith("Histology: "):
            histology = note["text"][len("Histology: ") :]
    if cancer_type is None:
        cancer_type = CancerType.OTHER
        histology = histology or _text(resource.get("code"))[:200]
        result.review.append(
            (
                f"{path}.code",
                f"'{_text(resource.get('code')) or 'no code'}' is outside our mapping: "
                "kept as text (type Other); needs review.",
            )
        )
    onset = resource.get("onsetDateTime") or resource.get("recordedDate")
    if not onset:
        result.errors.append((f"{path}.onsetDateTime", "The diagnosis has no date."))
        return None
    diagnosed_on = _date(onset, f"{path}.onsetDateTime", result)
    if diagnosed_on is None:
        return None
    laterality = ""
    for site in resource.get("bodySite") or []:
        laterality = LATERALITY_BY_TEXT.get(_text(site).lower(), laterality)
    second = any(n.get("text") == "Second primary cancer" for n in resource.get("note") or [])
    existing = CancerDiagnosis.objects.filter(
        patient=patient, cancer_type=cancer_type, diagnosed_on=diagnosed_on
    ).first()
    diagnosis = CancerDiagnosis(
        patient=patient,
        cancer_type=cancer_type,
        diagnosed_on=diagnosed_on,
        histology=histology,
        laterality=laterality,
        second_primary=second,
        stage_group=existing.stage_group if existing else "",
        stage_t=existing.stage_t if existing else "",
        stage_n=existing.stage_n if existing else "",
        stage_m=existing.stage_m if existing else "",
    )
    try:
        return _save(diagnosis, existing, ["histology", "laterality", "second_primary"], result)
    except ValidationError as error:
        result.errors.append((path, "; ".join(error.messages)))
        return None


def _focus(resource, refs, diagnoses, path, result, key="focus"):
    targets = resource.get(key) or []
    if key == "focus" and not targets:
        targets = resource.get("hasMember") or []
    for target in targets:
        ref = refs.get((target or {}).get("reference", ""))
        if ref is not None and diagnoses.get(id(ref)):
            return diagnoses[id(ref)]
    found = [d for d in diagnoses.values() if d is not None]
    if len(found) == 1:
        return found[0]
    if not any(d is None for d in diagnoses.values()):
        result.errors.append(
            (
                f"{path}.{key}",
                "Cannot tell which diagnosis this belongs to: reference a Condition in the bundle.",
            )
        )
    return None


def _stages(by_type, refs, diagnoses, result):
    for path, resource in by_type.get("Observation", []):
        codes = {code for system, code in _codings(resource.get("code")) if system == m.LOINC}
        if not codes & STAGE_CODES:
            continue
        diagnosis = _focus(resource, refs, diagnoses, path, result)
        if diagnosis is None:
            continue
        value = resource.get("valueCodeableConcept") or {}
        group = next((code for s, code in _codings(value) if s == m.AJCC), "")
        group = group or _text(value).removeprefix("Stage ").strip()
        fields = {"stage_group": group}
        for component in resource.get("component") or []:
            loincs = {code for _s, code in _codings(component.get("code"))}
            for name, loinc, label in m.TNM_COMPONENTS:
                if loinc in loincs:
                    fields[name] = _text(component.get("valueCodeableConcept")).removeprefix(label)
        changed = {k: v for k, v in fields.items() if getattr(diagnosis, k) != v}
        if not changed:
            continue
        for key, value in changed.items():
            setattr(diagnosis, key, value)
        try:
            diagnosis.full_clean()
        except ValidationError as error:
            result.errors.append((f"{path}.valueCodeableConcept", "; ".join(error.messages)))
            continue
        diagnosis.save()
        result.updated += 1


def _status(diagnosis, path, resource, result):
    when = resource.get("effectiveDateTime")
    event_date = _date(when, f"{path}.effectiveDateTime", result) if when else None
    if event_date is None:
        if not when:
            result.errors.append((f"{path}.effectiveDateTime", "The status has no date."))
        return
    detail = _detail(resource)
    status = detail.get("status")
    if status not in DiseaseStatus.values:
        snomed = [c for s, c in _codings(resource.get("valueCodeableConcept")) if s == m.SNOMED]
        status = next((m.STATUS_BY_SNOMED[c] for c in snomed if c in m.STATUS_BY_SNOMED), None)
        if status is None:
            result.errors.append(
                (
                    f"{path}.valueCodeableConcept",
                    "The disease status is not one of improving, stable, worsening "
                    "or not detected.",
                )
            )
            return
        if status == DiseaseStatus.PROGRESSION:
            result.review.append(
                (path, "'Worsened' imported as progression: check whether it was a recurrence.")
            )
    existing = DiseaseStatusEvent.objects.filter(
        diagnosis=diagnosis, event_date=event_date, status=status
    ).first()
    notes = [n.get("text", "") for n in resource.get("note") or []]
    event = DiseaseStatusEvent(
        diagnosis=diagnosis,
        event_date=event_date,
        status=status,
        recurrence_type=detail.get("recurrenceType") or "",
        restage=detail.get("restage") or "",
        site=(detail.get("site") or "")[:120],
        note=notes[0] if notes else "",
    )
    if existing is not None:
        event.classification_reason = existing.classification_reason
    try:
        _save(event, existing, ["recurrence_type", "restage", "site", "note"], result)
    except ValidationError as error:
        result.errors.append((path, "; ".join(error.messages)))


def _treatment(diagnosis, kind, path, resource, result):
    modality = _ext_code(resource, f"{m.OUR_BASE}/StructureDefinition/treatment-modality")
    if modality not in Modality.values:
        profiles = _profiles(resource)
        if m.PROFILES["RadiotherapyCourseSummary"] in profiles:
            modality = Modality.RADIATION
        elif kind == "Procedure":
            modality = Modality.SURGERY
            if m.PROFILES["CancerRelatedSurgicalProcedure"] not in profiles:
                result.review.append(
                    (
                        path,
                        "A procedure without an mCODE profile: imported as surgery; needs review.",
                    )
                )
        else:
            codes = [c for c in resource.get("category") or []]
            found = [MEDICATION_BY_CODE.get(code) for cat in codes for _s, code in _codings(cat)]
            modality = next((f for f in found if f), Modality.CHEMOTHERAPY)
    intent_code = _ext_code(resource, m.TREATMENT_INTENT_EXTENSION)
    intent = m.INTENT_BY_CODE.get(intent_code, Intent.CURATIVE)
    period = (
        resource.get("performedPeriod")
        or resource.get("effectivePeriod")
        or (
            (resource.get("dosageInstruction") or [{}])[0]
            .get("timing", {})
            .get("repeat", {})
            .get("boundsPeriod")
        )
        or {}
    )
    start = (
        period.get("start")
        or resource.get("performedDateTime")
        or resource.get("authoredOn")
        or resource.get("effectiveDateTime")
    )
    if not start:
        result.errors.append((path, "The treatment has no start date."))
        return
    started_on = _date(start, path, result)
    ended_on = _date(period["end"], path, result) if period.get("end") else None
    if started_on is None:
        return
    notes = [n.get("text", "") for n in resource.get("note") or []]
    existing = Treatment.objects.filter(
        diagnosis=diagnosis, modality=modality, started_on=started_on
    ).first()
    treatment = Treatment(
        diagnosis=diagnosis,
        modality=modality,
        intent=intent,
        started_on=started_on,
        ended_on=ended_on,
        notes="\n".join(notes),
    )
    try:
        _save(treatment, existing, ["intent", "ended_on", "notes"], result)
    except ValidationError as error:
        result.errors.append((path, "; ".join(error.messages)))
