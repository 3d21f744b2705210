"""The patients app's models: the record (records.py) and who else may read it
(access.py). Everything is importable from here."""

from patients.models.access import CaregiverGrant, CaregiverGrantQuerySet, FhirClient
from patients.models.records import (
    CANCER_NAMES,
    E164,
    MRN,
    RESTAGE,
    STAGE,
    CancerDiagnosis,
    DiseaseStatusEvent,
    DiseaseStatusEventQuerySet,
    Patient,
    PatientQuerySet,
    Treatment,
    time_zone_names,
    timezone_choices,
)

__all__ = [
    "CANCER_NAMES",
    "CancerDiagnosis",
    "CaregiverGrant",
    "CaregiverGrantQuerySet",
    "DiseaseStatusEvent",
    "DiseaseStatusEventQuerySet",
    "E164",
    "FhirClient",
    "MRN",
    "Patient",
    "PatientQuerySet",
    "RESTAGE",
    "STAGE",
    "Treatment",
    "time_zone_names",
    "timezone_choices",
]
