"""Named records for tests: the same people in every test that needs them."""

import importlib
from datetime import date

from django.apps import apps
from django.contrib.auth.models import Group, User

from followup.models import CarePlanTemplate
from patients.choices import CancerType, DiseaseStatus, Intent, Modality
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from survivorship.roles import GROUP_NAMES, Role


def make_patient(nurse, mrn="MRN-1001", given="Helen", family="Marsh", **extra) -> Patient:
    fields = {
        "medical_record_number": mrn,
        "given_name": given,
        "family_name": family,
        "date_of_birth": date(1965, 4, 12),
        "email": f"{given.lower()}@example.org",
        "time_zone": "America/New_York",
        "primary_nurse": nurse,
    }
    fields.update(extra)
    patient = Patient.objects.create(**fields)
    if nurse is not None:
        patient.care_team.add(nurse)
    return patient


def make_helen(nurse) -> Patient:
    """A breast cancer survivor in nurse's caseload: treated, then clear of disease."""
    patient = make_patient(nurse)
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient,
        cancer_type=CancerType.BREAST,
        diagnosed_on=date(2022, 1, 10),
        stage_group="IIA",
        laterality="left",
    )
    Treatment.objects.create(
        diagnosis=diagnosis,
        modality=Modality.SURGERY,
        intent=Intent.CURATIVE,
        started_on=date(2022, 2, 1),
        ended_on=date(2022, 2, 1),
    )
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis, event_date=date(2022, 9, 1), status=DiseaseStatus.NED
    )
    return patient


def restore_seeded_data() -> None:
    """Put back what migrations seed (templates, groups, permissions).

    A transactional test (a real worker, a live server) flushes every table when it
    ends, migration data included; the next one needs it back.
    """

    if CarePlanTemplate.objects.exists():
        return
    for module, function in (
        ("patients.migrations.0002_roles", "create_roles"),
        ("followup.migrations.0002_seed_templates", "seed_templates"),
        ("followup.migrations.0003_administrator_permissions", "grant"),
        ("followup.migrations.0006_administrator_delivery_log", "grant"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def make_staff(username: str, role: Role, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password="test-password-123",
        first_name=username.title(),
        email=f"{username}@example.org",
        **extra,
    )
    group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
    user.groups.add(group)
    return user


def make_patient_user(username: str, mrn: str, given: str, family: str) -> User:
    user = User.objects.create_user(username=username, password="test-password-123")
    Patient.objects.create(
        medical_record_number=mrn, given_name=given, family_name=family, user=user
    )
    return user
