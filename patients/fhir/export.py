"""Build a FHIR R4 Bundle (type collection) of one patient, with mCODE STU4 profiles.

Pure over already-fetched objects: the caller (selectors below) loads the patient with
everything prefetched, so a bundle costs the same number of queries for any patient.
Choices and code tables: docs/fhir.md and patients/fhir/mapping.py.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Prefetch

from patients.choices import DiseaseStatus, Modality
from patients.fhir import mapping as m
from patients.models import CancerDiagnosis, Patient


def everything_queryset():
    # followup sits above patients: reach its models by name, never by import.
    CarePlan = apps.get_model("followup", "CarePlan")
    FollowUpVisit = apps.get_model("followup", "FollowUpVisit")
    SymptomReport = apps.get_model("followup", "SymptomReport")
    return Patient.objects.prefetch_related(
        Prefetch(
            "diagnoses",
            CancerDiagnosis.objects.order_by("diagnosed_on", "pk").prefetch_related(
                "treatments", "status_events"
            ),
        ),
        Prefetch(
            "care_plans",
            CarePlan.objects.order_by("start_date", "pk").prefetch_related(
                Prefetch("visits", FollowUpVisit.objects.order_by("due_date", "pk"))
            ),
        ),
        Prefetch(
            "symptom_reports",
            SymptomReport.objects.order_by("submitted_at", "pk").prefetch_related("signs"),
        ),
    )


def _coding(system, code, display=None):
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = str(display)  # choice labels are lazy (translated) strings
    return coding


def _meta(profile_key):
    return {"profile": [m.PROFILES[profile_key]]}


def _ref(resource_type, rid):
    return {"reference": f"{resource_type}/{rid}"}


def patient_resource(patient: Patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": _meta("Patient"),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [_coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")]
                },
                "system": m.MRN_SYSTEM,
                "value": patient.medical_record_number,
            }
        ],
        "active": patient.active,
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": m.SEX_TO_GENDER.get(patient.sex, "unknown"),
        "communication": [
            {"language": {"coding": [_coding("urn:ietf:bcp:47", patient.preferred_language)]}}
        ],
    }
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    telecom = []
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if patient.mobile_phone:
        telecom.append({"system": "phone", "value": patient.mobile_phone, "use": "mobile"})
    if telecom:
        resource["telecom"] = telecom
    return resource


def condition_resource(diagnosis: CancerDiagnosis) -> dict:
    snomed, snomed_display, icd, icd_display = m.CANCER_CODES[diagnosis.cancer_type]
    resource = {
        "resourceType": "Condition",
        "id": f"dx-{diagnosis.pk}",
        "meta": _meta("PrimaryCancerCondition"),
        "clinicalStatus": {
            "coding": [
                _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
            ]
        },
        "verificationStatus": {
            "coding": [
                _coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed")
            ]
        },
        "category": [{"coding": [_coding(m.SNOMED, "64572001", "Disease (disorder)")]}],
        "code": {
            "coding": [
                _coding(m.SNOMED, snomed, snomed_display),
                _coding(m.ICD10CM, icd, icd_display),
            ],
            "text": diagnosis.get_cancer_type_display(),
        },
        "subject": _ref("Patient", diagnosis.patient_id),
        "onsetDateTime": diagnosis.diagnosed_on.isoformat(),
        "recordedDate": diagnosis.diagnosed_on.isoformat(),
    }
    if diagnosis.laterality:
        resource["bodySite"] = [{"text": diagnosis.get_laterality_display()}]
    notes = []
    if diagnosis.histology:
        notes.append({"text": f"Histology: {diagnosis.histology}"})
    if diagnosis.second_primary:
        notes.append({"text": "Second primary cancer"})
    if notes:
        resource["note"] = notes
    return resource


def stage_resource(diagnosis: CancerDiagnosis) -> dict | None:
    if not diagnosis.stage_group:
        return None
    code, display = m.STAGE_GROUP_CODE
    resource = {
        "resourceType": "Observation",
        "id": f"stage-{diagnosis.pk}",
        "meta": _meta("TNMStageGroup"),
        "status": "final",
        "category": [
            {
                "coding": [
                    _coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
                ]
            }
        ],
        "code": {"coding": [_coding(m.LOINC, code, display)]},
        "subject": _ref("Patient", diagnosis.patient_id),
        "focus": [_ref("Condition", f"dx-{diagnosis.pk}")],
        "effectiveDateTime": diagnosis.diagnosed_on.isoformat(),
        "valueCodeableConcept": {
            "coding": [_coding(m.AJCC, diagnosis.stage_group)],
            "text": f"Stage {diagnosis.stage_group}",
        },
    }
    components = []
    for field, loinc, label in m.TNM_COMPONENTS:
        value = getattr(diagnosis, field)
        if value:
            components.append(
                {
                    "code": {"coding": [_coding(m.LOINC, loinc)], "text": label},
                    "valueCodeableConcept": {"text": f"{label}{value}"},
                }
            )
    if components:
        resource["component"] = components
    return resource


def status_resource(event, diagnosis) -> dict:
    code, display = m.DISEASE_STATUS_CODE
    snomed, snomed_display = m.STATUS_VALUES[event.status]
    detail = [{"url": "status", "valueCoding": _coding(m.STATUS_CODESYSTEM, event.status)}]
    if event.recurrence_type:
        detail.append(
            {
                "url": "recurrenceType",
                "valueCoding": _coding(m.RECURRENCE_CODESYSTEM, event.recurrence_type),
            }
        )
    if event.restage:
        detail.append({"url": "restage", "valueString": event.restage})
    if event.site:
        detail.append({"url": "site", "valueString": event.site})
    resource = {
        "resourceType": "Observation",
        "id": f"status-{event.pk}",
        "meta": _meta("CancerDiseaseStatus"),
        "extension": [{"url": m.STATUS_EXTENSION, "extension": detail}],
        "status": "final",
        "code": {"coding": [_coding(m.LOINC, code, display)]},
        "subject": _ref("Patient", diagnosis.patient_id),
        "focus": [_ref("Condition", f"dx-{diagnosis.pk}")],
        "effectiveDateTime": event.event_date.isoformat(),
        "valueCodeableConcept": {
            "coding": [_coding(m.SNOMED, snomed, snomed_display)],
            "text": event.get_status_display(),
        },
    }
    notes = [text for text in (event.note, event.classification_reason) if text]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def secondary_condition_resource(event, diagnosis) -> dict:
    code, display = m.SECONDARY_CANCER
    return {
        "resourceType": "Condition",
        "id": f"metastasis-{event.pk}",
        "meta": _meta("SecondaryCancerCondition"),
        "clinicalStatus": {
            "coding": [
                _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
            ]
        },
        "category": [{"coding": [_coding(m.SNOMED, "64572001", "Disease (disorder)")]}],
        "code": {
            "coding": [_coding(m.SNOMED, code, display)],
            "text": f"Distant recurrence of {diagnosis.cancer_name}",
        },
        "bodySite": [{"text": event.site}],
        "subject": _ref("Patient", diagnosis.patient_id),
        "onsetDateTime": event.event_date.isoformat(),
    }


def treatment_resource(treatment, diagnosis) -> dict:
    intent_code, intent_display = m.INTENT_CODES[treatment.intent]
    intent = {
        "url": m.TREATMENT_INTENT_EXTENSION,
        "valueCodeableConcept": {"coding": [_coding(m.SNOMED, intent_code, intent_display)]},
    }
    modality = {
        "url": f"{m.OUR_BASE}/StructureDefinition/treatment-modality",
        "valueCoding": _coding(m.MODALITY_CODESYSTEM, treatment.modality),
    }
    subject = _ref("Patient", diagnosis.patient_id)
    reason = [_ref("Condition", f"dx-{diagnosis.pk}")]
    period = {"start": treatment.started_on.isoformat()}
    if treatment.ended_on:
        period["end"] = treatment.ended_on.isoformat()
    notes = [{"text": t} for t in (treatment.notes, treatment.lasting_side_effects) if t]
    if treatment.modality in m.MEDICATION_MODALITIES:
        code, display = m.MEDICATION_MODALITIES[treatment.modality]
        resource = {
            "resourceType": "MedicationRequest",
            "id": f"tx-{treatment.pk}",
            "meta": _meta("CancerRelatedMedicationRequest"),
            "extension": [intent, modality],
            "status": "completed" if treatment.ended_on else "active",
            "intent": "order",
            "category": [{"coding": [_coding(m.SNOMED, code, display)]}],
            "medicationCodeableConcept": {"text": treatment.get_modality_display()},
            "subject": subject,
            "authoredOn": treatment.started_on.isoformat(),
            "reasonReference": reason,
            "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": period}}}],
        }
    else:
        profile, (code, display) = {
            Modality.SURGERY: ("CancerRelatedSurgicalProcedure", m.SURGERY_CODE),
            Modality.RADIATION: ("RadiotherapyCourseSummary", m.RADIOTHERAPY_CODE),
            Modality.STEM_CELL: ("Procedure", m.STEM_CELL_CODE),
        }.get(treatment.modality, ("Procedure", (None, None)))
        resource = {
            "resourceType": "Procedure",
            "id": f"tx-{treatment.pk}",
            "meta": _meta(profile),
            "extension": [intent, modality],
            "status": "completed" if treatment.ended_on else "in-progress",
            "code": {
                "coding": [_coding(m.SNOMED, code, display)] if code else [],
                "text": treatment.get_modality_display(),
            },
            "subject": subject,
            "performedPeriod": period,
            "reasonReference": reason,
        }
        if not code:
            del resource["code"]["coding"]
    if notes:
        resource["note"] = notes
    return resource


def care_plan_resources(plan) -> list[dict]:
    requests = []
    for visit in plan.visits.all():
        request = {
            "resourceType": "ServiceRequest",
            "id": f"visit-{visit.pk}",
            "meta": _meta("ServiceRequest"),
            "basedOn": [_ref("CarePlan", f"plan-{plan.pk}")],
            "status": m.VISIT_STATUS.get(visit.status, "unknown"),
            "intent": "plan",
            "category": [{"text": visit.get_kind_display()}],
            "code": {"text": visit.label},
            "subject": _ref("Patient", plan.patient_id),
            "occurrencePeriod": {
                "start": visit.window_start.isoformat(),
                "end": visit.window_end.isoformat(),
            },
        }
        if visit.instructions:
            request["patientInstruction"] = visit.instructions
        requests.append(request)
    care_plan = {
        "resourceType": "CarePlan",
        "id": f"plan-{plan.pk}",
        "meta": _meta("CarePlan"),
        "status": m.PLAN_STATUS.get(plan.status, "unknown"),
        "intent": "plan",
        "title": "Survivorship care plan",
        "subject": _ref("Patient", plan.patient_id),
        "period": {"start": plan.start_date.isoformat()},
        "addresses": [_ref("Condition", f"dx-{plan.diagnosis_id}")],
        "activity": [{"reference": _ref("ServiceRequest", r["id"])} for r in requests],
    }
    if not care_plan["activity"]:
        del care_plan["activity"]
    return [care_plan, *requests]


def _choices(choices) -> list[dict]:
    return [{"valueCoding": _coding(m.QUESTIONNAIRE_URL, value, label)} for value, label in choices]


def questionnaire_resource() -> dict:
    """Our own symptom report form, in our own words (no licensed items)."""
    sign_model = apps.get_model("followup", "ReportedSign")
    severity = sign_model._meta.get_field("severity").choices
    trend = sign_model._meta.get_field("trend").choices
    return {
        "resourceType": "Questionnaire",
        "id": "symptom-report",
        "meta": _meta("Questionnaire"),
        "url": m.QUESTIONNAIRE_URL,
        "name": "SurvivorshipSymptomReport",
        "title": "How are you doing?",
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            {"linkId": "nothing-new", "text": "Nothing new to report", "type": "boolean"},
            {
                "linkId": "sign",
                "text": "A sign you noticed",
                "type": "group",
                "repeats": True,
                "item": [
                    {"linkId": "sign.code", "text": "Which sign", "type": "string"},
                    {"linkId": "sign.label", "text": "In words", "type": "string"},
                    {
                        "linkId": "sign.severity",
                        "text": "How much it affects you",
                        "type": "choice",
                        "answerOption": _choices(severity),
                    },
                    {"linkId": "sign.days", "text": "For how many days", "type": "integer"},
                    {
                        "linkId": "sign.trend",
                        "text": "Compared with last time",
                        "type": "choice",
                        "answerOption": _choices(trend),
                    },
                ],
            },
            {
                "linkId": "worry",
                "text": "Worry about the cancer coming back (0-10)",
                "type": "integer",
            },
            {"linkId": "distress", "text": "Overall distress (0-10)", "type": "integer"},
            {"linkId": "other", "text": "Anything else", "type": "text"},
        ],
    }


def response_resource(report) -> dict:
    items = [{"linkId": "nothing-new", "answer": [{"valueBoolean": report.nothing_new}]}]
    for sign in report.signs.all():
        parts = [
            {"linkId": "sign.code", "answer": [{"valueString": sign.code}]},
            {"linkId": "sign.label", "answer": [{"valueString": sign.label}]},
            {
                "linkId": "sign.severity",
                "answer": [{"valueCoding": _coding(m.QUESTIONNAIRE_URL, sign.severity)}],
            },
            {
                "linkId": "sign.trend",
                "answer": [{"valueCoding": _coding(m.QUESTIONNAIRE_URL, sign.trend)}],
            },
        ]
        if sign.days is not None:
            parts.insert(3, {"linkId": "sign.days", "answer": [{"valueInteger": sign.days}]})
        items.append({"linkId": "sign", "item": parts})
    for link, value in (("worry", report.worry), ("distress", report.distress)):
        if value is not None:
            items.append({"linkId": link, "answer": [{"valueInteger": value}]})
    if report.other_text:
        items.append({"linkId": "other", "answer": [{"valueString": report.other_text}]})
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": f"report-{report.pk}",
        "meta": _meta("QuestionnaireResponse"),
        "questionnaire": m.QUESTIONNAIRE_URL,
        "status": "completed",
        "subject": _ref("Patient", report.patient_id),
        "authored": report.submitted_at.isoformat(),
        "item": items,
    }
    if report.reported_by_name:  # answered by a caregiver for the patient
        resource["source"] = {
            "type": "RelatedPerson",
            "display": f"{report.reported_by_name} (caregiver)",
        }
    if report.by_phone:  # the patient's answers, entered by a nurse on a call (issue 18)
        resource["author"] = {"type": "Practitioner", "display": "Care team nurse, by phone"}
    return resource


def patient_bundle(patient: Patient, *, base_url: str = "") -> dict:
    """Everything we hold about ``patient`` (loaded with everything_queryset())."""
    resources = [patient_resource(patient)]
    for diagnosis in patient.diagnoses.all():
        resources.append(condition_resource(diagnosis))
        stage = stage_resource(diagnosis)
        if stage:
            resources.append(stage)
        for event in sorted(diagnosis.status_events.all(), key=lambda e: (e.event_date, e.pk)):
            resources.append(status_resource(event, diagnosis))
            if (
                event.status == DiseaseStatus.RECURRENCE
                and event.recurrence_type == "distant"
                and event.site
            ):
                resources.append(secondary_condition_resource(event, diagnosis))
        for treatment in sorted(diagnosis.treatments.all(), key=lambda t: (t.started_on, t.pk)):
            resources.append(treatment_resource(treatment, diagnosis))
    for plan in patient.care_plans.all():
        resources.extend(care_plan_resources(plan))
    reports = list(patient.symptom_reports.all())
    if reports:
        resources.append(questionnaire_resource())
        resources.extend(response_resource(report) for report in reports)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{base_url}{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
