from django.db import models


class CancerType(models.TextChoices):
    BREAST = "breast", "Breast"
    COLORECTAL = "colorectal", "Colorectal"
    LUNG = "lung", "Lung"
    PROSTATE = "prostate", "Prostate"
    MELANOMA = "melanoma", "Melanoma"
    HEAD_NECK = "head_neck", "Head & neck"
    CERVICAL = "cervical", "Cervical"
    ENDOMETRIAL = "endometrial", "Endometrial"
    OVARIAN = "ovarian", "Ovarian"
    BLADDER = "bladder", "Bladder"
    KIDNEY = "kidney", "Kidney"
    THYROID = "thyroid", "Thyroid"
    HODGKIN_LYMPHOMA = "hodgkin_lymphoma", "Hodgkin lymphoma"
    NON_HODGKIN_LYMPHOMA = "non_hodgkin_lymphoma", "Non-Hodgkin lymphoma"
    LEUKEMIA = "leukemia", "Leukemia"
    OTHER = "other", "Other"


# Paired organs, where left/right means something.
LATERAL_CANCER_TYPES = {CancerType.BREAST, CancerType.LUNG, CancerType.KIDNEY, CancerType.OVARIAN}


class Laterality(models.TextChoices):
    NOT_APPLICABLE = "", "Not applicable"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Both sides"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"
    PORTAL = "portal", "Portal only"


class ConsentMethod(models.TextChoices):
    """How a patient agreed to reminders: the record says who may vouch for it."""

    IN_PERSON = "in_person", "In person at the clinic"
    PHONE = "phone", "By phone"
    WRITING = "in_writing", "In writing (signed form)"
    PORTAL = "portal", "In the patient portal"


class Modality(models.TextChoices):
    SURGERY = "surgery", "Surgery"
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    RADIATION = "radiation", "Radiation therapy"
    HORMONE = "hormone", "Hormone therapy"
    IMMUNOTHERAPY = "immunotherapy", "Immunotherapy"
    TARGETED = "targeted", "Targeted therapy"
    STEM_CELL = "stem_cell", "Stem cell transplant"
    OTHER = "other", "Other"


class Agent(models.TextChoices):
    """Agents the late-effects rules know (followup/rules/late_effects.py); "other" + text."""

    DOXORUBICIN = "doxorubicin", "Doxorubicin (Adriamycin)"
    DAUNORUBICIN = "daunorubicin", "Daunorubicin"
    EPIRUBICIN = "epirubicin", "Epirubicin"
    IDARUBICIN = "idarubicin", "Idarubicin"
    MITOXANTRONE = "mitoxantrone", "Mitoxantrone"
    CISPLATIN = "cisplatin", "Cisplatin"
    CARBOPLATIN = "carboplatin", "Carboplatin"
    CYCLOPHOSPHAMIDE = "cyclophosphamide", "Cyclophosphamide"
    PACLITAXEL = "paclitaxel", "Paclitaxel"
    BLEOMYCIN = "bleomycin", "Bleomycin"
    TAMOXIFEN = "tamoxifen", "Tamoxifen"
    ANASTROZOLE = "anastrozole", "Anastrozole"
    LETROZOLE = "letrozole", "Letrozole"
    EXEMESTANE = "exemestane", "Exemestane"
    LEUPROLIDE = "leuprolide", "Leuprolide"
    GOSERELIN = "goserelin", "Goserelin"
    DEGARELIX = "degarelix", "Degarelix"
    ABIRATERONE = "abiraterone", "Abiraterone"
    TRASTUZUMAB = "trastuzumab", "Trastuzumab"
    PEMBROLIZUMAB = "pembrolizumab", "Pembrolizumab"
    NIVOLUMAB = "nivolumab", "Nivolumab"
    OTHER = "other", "Other (write it in)"


ANTHRACYCLINES = frozenset(
    {"doxorubicin", "daunorubicin", "epirubicin", "idarubicin", "mitoxantrone"}
)
# Agents that make sense for each modality (the form checks the pairing).
AGENT_MODALITIES = {"chemotherapy", "hormone", "immunotherapy", "targeted"}


class RadiationSite(models.TextChoices):
    CHEST = "chest", "Chest"
    MANTLE = "mantle", "Mantle field (neck, chest and armpits)"
    BREAST = "breast", "Breast or chest wall"
    MEDIASTINUM = "mediastinum", "Mediastinum"
    NECK = "neck", "Neck"
    HEAD_NECK = "head_neck", "Head and neck"
    THYROID = "thyroid", "Thyroid"
    BRAIN = "brain", "Brain"
    ABDOMEN = "abdomen", "Abdomen"
    PELVIS = "pelvis", "Pelvis"
    TBI = "tbi", "Total body"
    OTHER = "other", "Other"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"
    NONE = "none", "Not applicable"


class Intent(models.TextChoices):
    CURATIVE = "curative", "Curative"
    PALLIATIVE = "palliative", "Palliative"


class DiseaseStatus(models.TextChoices):
    NED = "ned", "No evidence of disease / complete response"
    PARTIAL_RESPONSE = "partial_response", "Partial response"
    STABLE = "stable", "Stable (controlled)"
    PROGRESSION = "progression", "Progression"
    RECURRENCE = "recurrence", "Recurrence"


RETURN_OF_DISEASE = {DiseaseStatus.PROGRESSION, DiseaseStatus.RECURRENCE}


class RecurrenceType(models.TextChoices):
    LOCAL = "local", "Local (same place)"
    REGIONAL = "regional", "Regional (nearby lymph nodes or tissue)"
    DISTANT = "distant", "Distant (elsewhere in the body)"


LANGUAGES = (
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
    ("ar", "Arabic"),
    ("vi", "Vietnamese"),
    ("de", "German"),
)
