"""Code tables between our records and FHIR R4 / mCODE STU4. Data tables: pure, no ORM.

Every code here was chosen from the terminology named next to it but has not been checked
against a terminology server or by a clinician: needs clinical review (docs/fhir.md).
"""

from patients.choices import CancerType, DiseaseStatus, Modality

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
AJCC = "http://cancerstaging.org"
OUR_BASE = "http://survivorship.example.org/fhir"
MRN_SYSTEM = f"{OUR_BASE}/identifier/mrn"
STATUS_EXTENSION = f"{OUR_BASE}/StructureDefinition/disease-status-detail"
STATUS_CODESYSTEM = f"{OUR_BASE}/CodeSystem/disease-status"
RECURRENCE_CODESYSTEM = f"{OUR_BASE}/CodeSystem/recurrence-type"
MODALITY_CODESYSTEM = f"{OUR_BASE}/CodeSystem/treatment-modality"
QUESTIONNAIRE_URL = f"{OUR_BASE}/Questionnaire/symptom-report"

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
BASE = "http://hl7.org/fhir/StructureDefinition/"
PROFILES = {
    "Patient": MCODE + "mcode-cancer-patient",
    "PrimaryCancerCondition": MCODE + "mcode-primary-cancer-condition",
    "SecondaryCancerCondition": MCODE + "mcode-secondary-cancer-condition",
    "TNMStageGroup": MCODE + "mcode-tnm-stage-group",
    "CancerDiseaseStatus": MCODE + "mcode-cancer-disease-status",
    "CancerRelatedSurgicalProcedure": MCODE + "mcode-cancer-related-surgical-procedure",
    "RadiotherapyCourseSummary": MCODE + "mcode-radiotherapy-course-summary",
    "CancerRelatedMedicationRequest": MCODE + "mcode-cancer-related-medication-request",
    "Procedure": BASE + "Procedure",
    "CarePlan": BASE + "CarePlan",
    "ServiceRequest": BASE + "ServiceRequest",
    "Questionnaire": BASE + "Questionnaire",
    "QuestionnaireResponse": BASE + "QuestionnaireResponse",
}

# Our cancer type -> (SNOMED CT code, display, ICD-10-CM code, display). Needs clinical
# review: "colorectal" and "head & neck" are groups, mapped to the nearest general code.
CANCER_CODES = {
    CancerType.BREAST: (
        "254837009",
        "Malignant neoplasm of breast",
        "C50.919",
        "Malignant neoplasm of unspecified site of unspecified female breast",
    ),
    CancerType.COLORECTAL: (
        "363406005",
        "Malignant neoplasm of colon",
        "C18.9",
        "Malignant neoplasm of colon, unspecified",
    ),
    CancerType.LUNG: (
        "363358000",
        "Malignant tumor of lung",
        "C34.90",
        "Malignant neoplasm of unspecified part of unspecified bronchus or lung",
    ),
    CancerType.PROSTATE: (
        "399068003",
        "Malignant tumor of prostate",
        "C61",
        "Malignant neoplasm of prostate",
    ),
    CancerType.MELANOMA: (
        "372244006",
        "Malignant melanoma",
        "C43.9",
        "Malignant melanoma of skin, unspecified",
    ),
    CancerType.HEAD_NECK: (
        "255055008",
        "Malignant tumor of head and/or neck",
        "C76.0",
        "Malignant neoplasm of head, face and neck",
    ),
    CancerType.CERVICAL: (
        "363354003",
        "Malignant tumor of cervix",
        "C53.9",
        "Malignant neoplasm of cervix uteri, unspecified",
    ),
    CancerType.ENDOMETRIAL: (
        "254878006",
        "Malignant neoplasm of endometrium",
        "C54.1",
        "Malignant neoplasm of endometrium",
    ),
    CancerType.OVARIAN: (
        "363443007",
        "Malignant tumor of ovary",
        "C56.9",
        "Malignant neoplasm of unspecified ovary",
    ),
    CancerType.BLADDER: (
        "399326009",
        "Malignant tumor of urinary bladder",
        "C67.9",
        "Malignant neoplasm of bladder, unspecified",
    ),
    CancerType.KIDNEY: (
        "363518003",
        "Malignant tumor of kidney",
        "C64.9",
        "Malignant neoplasm of unspecified kidney, except renal pelvis",
    ),
    CancerType.THYROID: (
        "363478007",
        "Malignant tumor of thyroid gland",
        "C73",
        "Malignant neoplasm of thyroid gland",
    ),
    CancerType.HODGKIN_LYMPHOMA: (
        "118599009",
        "Hodgkin's disease",
        "C81.90",
        "Hodgkin lymphoma, unspecified, unspecified site",
    ),
    CancerType.NON_HODGKIN_LYMPHOMA: (
        "118601006",
        "Non-Hodgkin's lymphoma",
        "C85.90",
        "Non-Hodgkin lymphoma, unspecified, unspecified site",
    ),
    CancerType.LEUKEMIA: (
        "93143009",
        "Leukemia, disease",
        "C95.90",
        "Leukemia, unspecified not having achieved remission",
    ),
    CancerType.OTHER: (
        "363346000",
        "Malignant neoplastic disease",
        "C80.1",
        "Malignant (primary) neoplasm, unspecified",
    ),
}
CANCER_BY_CODE = {}
for _type, (_snomed, _sd, _icd, _id) in CANCER_CODES.items():
    CANCER_BY_CODE[(SNOMED, _snomed)] = _type
    CANCER_BY_CODE[(ICD10CM, _icd)] = _type
# ICD-10-CM categories (the code before the dot) also identify the type on import.
ICD_CATEGORY = {
    "C50": CancerType.BREAST, "C18": CancerType.COLORECTAL, "C19": CancerType.COLORECTAL,
    "C20": CancerType.COLORECTAL, "C34": CancerType.LUNG, "C61": CancerType.PROSTATE,
    "C43": CancerType.MELANOMA, "C53": CancerType.CERVICAL, "C54": CancerType.ENDOMETRIAL,
    "C56": CancerType.OVARIAN, "C67": CancerType.BLADDER, "C64": CancerType.KIDNEY,
    "C73": CancerType.THYROID, "C81": CancerType.HODGKIN_LYMPHOMA,
    "C82": CancerType.NON_HODGKIN_LYMPHOMA, "C83": CancerType.NON_HODGKIN_LYMPHOMA,
    "C85": CancerType.NON_HODGKIN_LYMPHOMA, "C91": CancerType.LEUKEMIA,
    "C92": CancerType.LEUKEMIA, "C95": CancerType.LEUKEMIA,
}  # fmt: skip
SECONDARY_CANCER = ("128462008", "Secondary malignant neoplastic disease")

# mCODE CancerDiseaseStatus: code LOINC 97509-4; value from ConditionStatusTrendVS (SNOMED).
# Recurrence and progression are both "worsened"; which one, and the recurrence type,
# travel in our extension (STATUS_EXTENSION). Needs clinical review.
DISEASE_STATUS_CODE = ("97509-4", "Cancer disease progression")
STATUS_VALUES = {
    DiseaseStatus.NED: ("260415000", "Not detected (qualifier)"),
    DiseaseStatus.PARTIAL_RESPONSE: ("268910001", "Patient's condition improved (finding)"),
    DiseaseStatus.STABLE: ("359746009", "Patient's condition stable (finding)"),
    DiseaseStatus.PROGRESSION: ("271299001", "Patient's condition worsened (finding)"),
    DiseaseStatus.RECURRENCE: ("271299001", "Patient's condition worsened (finding)"),
}
# Without our extension, "worsened" is read as progression and flagged for review.
STATUS_BY_SNOMED = {
    "260415000": DiseaseStatus.NED,
    "268910001": DiseaseStatus.PARTIAL_RESPONSE,
    "359746009": DiseaseStatus.STABLE,
    "271299001": DiseaseStatus.PROGRESSION,
}

# TNM stage group: clinical stage group (LOINC 21908-9) with AJCC values.
STAGE_GROUP_CODE = ("21908-9", "Stage group.clinical Cancer")
TNM_COMPONENTS = (
    ("stage_t", "21905-5", "T"),
    ("stage_n", "21906-3", "N"),
    ("stage_m", "21907-1", "M"),
)

# Procedures: surgery and radiation carry mCODE profiles; SNOMED codes for the kind.
SURGERY_CODE = ("387713003", "Surgical procedure")
RADIOTHERAPY_CODE = ("1217123003", "Radiotherapy course of treatment")
STEM_CELL_CODE = ("234336002", "Hemopoietic stem cell transplant")
OTHER_TREATMENT_CODE = ("367336001", "Chemotherapy")
MEDICATION_MODALITIES = {
    Modality.CHEMOTHERAPY: ("367336001", "Chemotherapy"),
    Modality.HORMONE: ("169413002", "Hormone therapy"),
    Modality.IMMUNOTHERAPY: ("76334006", "Immunotherapy"),
    Modality.TARGETED: ("416608005", "Drug therapy"),
}
# treatmentIntent (mCODE uses SNOMED 373808002 curative / 363676003 palliative).
INTENT_CODES = {
    "curative": ("373808002", "Curative - procedure intent"),
    "palliative": ("363676003", "Palliative - procedure intent"),
}
INTENT_BY_CODE = {code: intent for intent, (code, _) in INTENT_CODES.items()}
TREATMENT_INTENT_EXTENSION = MCODE + "mcode-procedure-intent"

PLAN_STATUS = {"active": "active", "paused": "on-hold", "completed": "completed"}
VISIT_STATUS = {
    "planned": "draft",
    "scheduled": "active",
    "completed": "completed",
    "missed": "active",
    "cancelled": "revoked",
}
SEX_TO_GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
GENDER_TO_SEX = {"female": "female", "male": "male", "other": "intersex", "unknown": "unknown"}
