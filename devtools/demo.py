"""Demo accounts and data for `make run` and screenshots. Never used in production.

The caseload is fictional: every record number starts with ``DEMO-``, every email address
is at example.org and every US mobile number is in the 555 range. Dates are relative to
today, so the demo looks the same whenever it is loaded: treatments that ended from a
few months to about six years ago, a distant recurrence of breast cancer, a lung cancer
that came back too soon to be called a recurrence, a second primary cancer.

Everything goes through the patient services, so the same validation and the same
recurrence-or-progression classification run as when a nurse types it in.

Every patient gets a care plan for their latest diagnosis, built by the follow-up
services from the seeded template for the cancer type, and a schedule that looks lived
in: past items done, a few left overdue (in each of the dashboard's bands), a few
upcoming appointments booked.

Running the seed again changes nothing: patients are found by record number, and a
patient's history is written only while the record has no diagnosis yet (which also
fills in the two patients that older versions of this seed created with just a name).
A plan is built only for a diagnosis that has none (which also upgrades a demo database
made before plans existed), and only a plan built in this run gets the lived-in schedule.

Symptom reports of every triage level go through the same submit-and-triage service as
the portal, each under a fixed submission key, so a second run finds them all and adds
nothing. Some are still open in the nurses' queues, some acknowledged, most resolved.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch
from django.utils import timezone

from followup.models import (
    CarePlan,
    CarePlanTemplate,
    FollowUpVisit,
    Outcome,
    Reminder,
    ReminderPreference,
    ReminderStatus,
    Resolution,
    SymptomReport,
    TriageLevel,
    VisitStatus,
)
from followup.rules import guidelines, scheduling
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import plans as followup_services
from followup.services import recurrence
from followup.services import reports as reporting
from followup.services.letters import plan_letter_send
from followup.services.reminders import checkin_open
from patients import services
from patients.choices import (
    RETURN_OF_DISEASE,
    CancerType,
    DiseaseStatus,
    Intent,
    Laterality,
    Modality,
    RecurrenceType,
    ReminderChannel,
    Sex,
)
from patients.models import (
    CancerDiagnosis,
    CaregiverGrant,
    DiseaseStatusEvent,
    Patient,
    Treatment,
)
from survivorship.roles import GROUP_NAMES, Role

DEFAULT_PASSWORD = "survivorship-demo"  # noqa: S105 - documented demo password

STAFF = (
    ("demo-nurse", "Nora", "Navigator", Role.NURSE),
    ("demo-nurse2", "Sam", "Okafor", Role.NURSE),
    ("demo-admin", "Ada", "Admin", Role.ADMINISTRATOR),
)
PATIENTS = (
    ("demo-patient", "Maria", "Lopez", "DEMO-0001"),
    ("demo-patient2", "James", "Carter", "DEMO-0002"),
)

NURSE = "demo-nurse"
NURSE2 = "demo-nurse2"
CAREGIVER = "demo-caregiver"
NED = DiseaseStatus.NED
RETURN = services.RETURN


# --- The caseload, declared. Dates are "months ago"; None means still ongoing. ---------


@dataclass(frozen=True)
class Tx:
    modality: str
    started: int
    ended: int | None
    notes: str = ""
    side_effects: str = ""
    intent: str = Intent.CURATIVE
    # Structured treatment summary fields (agent, dose_mg_m2, radiation_site ...).
    details: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Event:
    months_ago: int
    status: str  # a DiseaseStatus value, or RETURN to let the service classify it
    note: str = ""
    site: str = ""
    recurrence_type: str = ""
    restage: str = ""


@dataclass(frozen=True)
class Dx:
    cancer_type: str
    histology: str
    diagnosed: int
    stage: str = ""
    tnm: tuple[str, str, str] = ("", "", "")
    laterality: str = Laterality.NOT_APPLICABLE
    second_primary: bool = False
    treatments: tuple[Tx, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Person:
    mrn: str
    given: str
    family: str
    sex: str
    age: int
    birthday: tuple[int, int]  # (month, day)
    nurse: str
    time_zone: str
    diagnoses: tuple[Dx, ...]  # oldest first: a second primary needs the earlier one saved
    shared: bool = False  # the other demo nurse is on the care team too
    email: bool = True
    mobile: str = ""
    channel: str = ReminderChannel.EMAIL
    language: str = "en"
    consent: bool = True


# fmt: off
CASELOAD = (
    # --- Nora Navigator (demo-nurse) ---------------------------------------------------
    Person(
        "DEMO-0001", "Maria", "Lopez", Sex.FEMALE, 52, (3, 14), NURSE, "America/New_York",
        mobile="+15555550101",
        diagnoses=(
            Dx(
                CancerType.BREAST, "Invasive ductal carcinoma, triple negative", 34, "IIA",
                ("2", "0", "0"), Laterality.LEFT,
                treatments=(
                    Tx(Modality.SURGERY, 33, 33, "Lumpectomy and sentinel lymph node biopsy."),
                    Tx(
                        Modality.CHEMOTHERAPY, 32, 28, "Four months of chemotherapy.",
                        "Tingling in fingers and toes; tiredness.",
                        details=(("agent", "doxorubicin"), ("cycles", 4),
                                 ("dose_mg_m2", Decimal("240"))),
                    ),
                    Tx(
                        Modality.RADIATION, 27, 24, "Radiation to the left breast.",
                        "Some tightness of the skin on the left breast.",
                        details=(("radiation_site", "breast"),
                                 ("radiation_dose_gy", Decimal("50"))),
                    ),
                ),
                events=(Event(23, NED, "Clear mammogram and exam after treatment."),),
            ),
        ),
    ),
    Person(
        "DEMO-0003", "Helen", "Brooks", Sex.FEMALE, 64, (9, 2), NURSE, "America/New_York",
        shared=True, mobile="+15555550103", channel=ReminderChannel.SMS,
        diagnoses=(
            Dx(
                CancerType.BREAST, "Invasive lobular carcinoma, hormone receptor positive", 80,
                "IIB", ("2", "1", "0"), Laterality.RIGHT,
                treatments=(
                    Tx(Modality.SURGERY, 79, 79, "Mastectomy and lymph node removal."),
                    Tx(Modality.CHEMOTHERAPY, 78, 74, side_effects="Tiredness."),
                    Tx(Modality.RADIATION, 73, 71, "Radiation to the chest wall."),
                    Tx(
                        Modality.HORMONE, 71, 4, "Daily hormone tablets.",
                        "Stiff and aching joints.",
                    ),
                    Tx(
                        Modality.TARGETED, 3, None, "Hormone therapy with a targeted tablet.",
                        intent=Intent.PALLIATIVE,
                    ),
                ),
                events=(
                    Event(70, NED, "No sign of cancer on the scans after treatment."),
                    Event(
                        4, RETURN, "New back pain; the bone scan shows spots in the spine.",
                        site="bone (spine and pelvis)", recurrence_type=RecurrenceType.DISTANT,
                        restage="rIV",
                    ),
                ),
            ),
        ),
    ),
    Person(
        "DEMO-0004", "Robert", "Nguyen", Sex.MALE, 67, (11, 23), NURSE, "America/Los_Angeles",
        mobile="+15555550104", language="vi",
        diagnoses=(
            Dx(
                CancerType.LUNG, "Adenocarcinoma", 16, "IIIA", ("2", "2", "0"), Laterality.RIGHT,
                treatments=(
                    Tx(
                        Modality.CHEMOTHERAPY, 15, 12, "Chemotherapy given with radiation.",
                        "Tiredness.",
                    ),
                    Tx(
                        Modality.RADIATION, 15, 12, "Radiation to the chest.",
                        "Short of breath on stairs.",
                    ),
                    Tx(Modality.IMMUNOTHERAPY, 11, 3, "Immunotherapy after chemoradiation."),
                    Tx(
                        Modality.TARGETED, 2, None, "Daily targeted tablets.",
                        intent=Intent.PALLIATIVE,
                    ),
                ),
                events=(
                    Event(11, DiseaseStatus.PARTIAL_RESPONSE, "The tumour has more than halved."),
                    Event(8, NED, "The scan shows no active cancer."),
                    Event(
                        3, RETURN, "New spots in both lungs and the adrenal gland.",
                        site="both lungs and the left adrenal gland", restage="rIVB",
                    ),
                ),
            ),
        ),
    ),
    Person(
        "DEMO-0005", "George", "Whitfield", Sex.MALE, 71, (5, 30), NURSE, "Europe/London",
        mobile="+447700900105", channel=ReminderChannel.SMS,
        diagnoses=(
            Dx(
                CancerType.PROSTATE, "Adenocarcinoma, Gleason score 7", 42, "IIB",
                ("2b", "0", "0"),
                treatments=(
                    Tx(
                        Modality.HORMONE, 41, 35, "Six months of hormone injections.",
                        "Hot flushes; tiredness.",
                    ),
                    Tx(
                        Modality.RADIATION, 39, 37, "Radiation to the prostate.",
                        "Needing to pass urine more often.",
                    ),
                ),
                events=(Event(34, NED, "PSA blood test back to a very low level."),),
            ),
        ),
    ),
    Person(
        "DEMO-0006", "Priya", "Raman", Sex.FEMALE, 45, (1, 8), NURSE, "America/Los_Angeles",
        diagnoses=(
            Dx(
                CancerType.MELANOMA, "Superficial spreading melanoma", 17, "IIIB",
                ("2b", "1a", "0"),
                treatments=(
                    Tx(
                        Modality.SURGERY, 16, 16,
                        "Wide excision on the left calf and sentinel lymph node biopsy.",
                    ),
                    Tx(
                        Modality.IMMUNOTHERAPY, 15, 3, "A year of immunotherapy after surgery.",
                        "Underactive thyroid, now on a daily tablet; tiredness.",
                    ),
                ),
                events=(Event(3, NED, "Clear scans at the end of immunotherapy."),),
            ),
        ),
    ),
    Person(
        "DEMO-0007", "Thomas", "Byrne", Sex.MALE, 58, (7, 19), NURSE, "America/Chicago",
        shared=True, mobile="+15555550107",
        diagnoses=(
            Dx(
                CancerType.HEAD_NECK, "Squamous cell carcinoma of the tonsil (HPV positive)", 24,
                "I", ("2", "1", "0"),
                treatments=(
                    Tx(
                        Modality.CHEMOTHERAPY, 23, 21, "Weekly chemotherapy with radiation.",
                        "Ringing in the ears.",
                    ),
                    Tx(
                        Modality.RADIATION, 23, 21, "Seven weeks of radiation to the throat.",
                        "Dry mouth; changes in taste.",
                    ),
                ),
                events=(Event(18, NED, "Clear PET scan three months after treatment."),),
            ),
        ),
    ),
    Person(
        "DEMO-0008", "Aisha", "Bello", Sex.FEMALE, 31, (12, 5), NURSE, "Europe/London",
        diagnoses=(
            Dx(
                CancerType.HODGKIN_LYMPHOMA, "Classical Hodgkin lymphoma, nodular sclerosis", 110,
                "IIA",
                treatments=(
                    Tx(
                        Modality.CHEMOTHERAPY, 109, 103, "Six months of chemotherapy (ABVD).",
                        "Tiredness; trouble concentrating.",
                        details=(("agent", "doxorubicin"), ("cycles", 6),
                                 ("dose_mg_m2", Decimal("300"))),
                    ),
                    Tx(
                        Modality.RADIATION, 102, 101, "Radiation to the neck and chest nodes.",
                        details=(("radiation_site", "mantle"),
                                 ("radiation_dose_gy", Decimal("30"))),
                    ),
                ),
                events=(Event(100, NED, "Complete remission on the PET scan."),),
            ),
        ),
    ),
    Person(
        "DEMO-0009", "Walter", "Kim", Sex.MALE, 62, (4, 27), NURSE, "America/Denver",
        consent=False,
        diagnoses=(
            Dx(
                CancerType.COLORECTAL, "Adenocarcinoma of the colon with liver metastases", 14,
                "IVA", ("3", "1", "1a"),
                treatments=(
                    Tx(
                        Modality.CHEMOTHERAPY, 13, 7, "Chemotherapy every two weeks.",
                        "Tingling in fingers and toes.", Intent.PALLIATIVE,
                    ),
                    Tx(
                        Modality.CHEMOTHERAPY, 6, None, "Maintenance chemotherapy tablets.",
                        intent=Intent.PALLIATIVE,
                    ),
                ),
                events=(
                    Event(
                        9, DiseaseStatus.PARTIAL_RESPONSE,
                        "The liver spots are less than half their size.",
                    ),
                    Event(2, DiseaseStatus.STABLE, "No change on the latest scan."),
                ),
            ),
        ),
    ),
    # --- Sam Okafor (demo-nurse2) ------------------------------------------------------
    Person(
        "DEMO-0002", "James", "Carter", Sex.MALE, 60, (6, 11), NURSE2, "America/New_York",
        mobile="+15555550102", language="es",  # reads the portal in Spanish (issue 21)
        diagnoses=(
            Dx(
                CancerType.COLORECTAL, "Adenocarcinoma of the sigmoid colon", 22, "IIIB",
                ("3", "1b", "0"),
                treatments=(
                    Tx(Modality.SURGERY, 21, 21, "Removal of part of the colon."),
                    Tx(
                        Modality.CHEMOTHERAPY, 20, 14, "Six months of chemotherapy.",
                        "Tingling in fingers and toes; tiredness.",
                    ),
                ),
                events=(Event(13, NED, "CT scan and CEA blood test clear."),),
            ),
        ),
    ),
    Person(
        "DEMO-0010", "Eleanor", "Price", Sex.FEMALE, 57, (8, 16), NURSE2, "Europe/London",
        shared=True,
        diagnoses=(
            Dx(
                CancerType.HODGKIN_LYMPHOMA, "Classical Hodgkin lymphoma", 380, "IIA",
                treatments=(
                    Tx(Modality.CHEMOTHERAPY, 379, 374, "Chemotherapy."),
                    Tx(
                        Modality.RADIATION, 373, 372, "Radiation to the chest.",
                        "Underactive thyroid, on a daily tablet.",
                    ),
                ),
                events=(Event(371, NED, "Complete remission."),),
            ),
            Dx(
                CancerType.BREAST, "Invasive ductal carcinoma, hormone receptor positive", 20,
                "IA", ("1c", "0", "0"), Laterality.LEFT, second_primary=True,
                treatments=(
                    Tx(Modality.SURGERY, 19, 19, "Mastectomy."),
                    Tx(
                        Modality.HORMONE, 18, None, "Daily hormone tablets for five years.",
                        "Hot flushes.",
                    ),
                ),
                events=(Event(17, NED, "No sign of cancer after surgery."),),
            ),
        ),
    ),
    Person(
        "DEMO-0011", "Daniel", "Fischer", Sex.MALE, 68, (2, 3), NURSE2, "Europe/Berlin",
        language="de",
        diagnoses=(
            Dx(
                CancerType.PROSTATE, "Adenocarcinoma, Gleason score 6", 66, "I",
                ("1c", "0", "0"),
                treatments=(
                    Tx(
                        Modality.SURGERY, 64, 64, "Removal of the prostate.",
                        "Some leaking of urine when coughing.",
                    ),
                ),
                events=(Event(62, NED, "PSA undetectable after surgery."),),
            ),
        ),
    ),
    Person(
        "DEMO-0012", "Rosa", "Martins", Sex.FEMALE, 41, (10, 9), NURSE2, "America/Sao_Paulo",
        language="pt", email=False, channel=ReminderChannel.PORTAL, consent=False,
        diagnoses=(
            Dx(
                CancerType.CERVICAL, "Squamous cell carcinoma", 15, "IIB", ("2b", "0", "0"),
                treatments=(
                    Tx(
                        Modality.CHEMOTHERAPY, 14, 13, "Weekly chemotherapy with radiation.",
                        "Tiredness.",
                    ),
                    Tx(
                        Modality.RADIATION, 14, 12, "External radiation and brachytherapy.",
                        "Loose bowels now and then.",
                    ),
                ),
                events=(Event(9, NED, "No sign of cancer on the MRI."),),
            ),
        ),
    ),
    Person(
        "DEMO-0013", "Kevin", "O'Hara", Sex.MALE, 38, (3, 28), NURSE2, "America/Chicago",
        mobile="+15555550113", channel=ReminderChannel.SMS,
        diagnoses=(
            Dx(
                CancerType.MELANOMA, "Nodular melanoma", 13, "IIA", ("3a", "0", "0"),
                treatments=(
                    Tx(Modality.SURGERY, 12, 12, "Wide excision on the upper back."),
                ),
                events=(Event(11, NED, "Clear skin check and scan."),),
            ),
        ),
    ),
    Person(
        "DEMO-0014", "Grace", "Achebe", Sex.FEMALE, 73, (6, 21), NURSE2, "America/New_York",
        diagnoses=(
            Dx(
                CancerType.LUNG, "Adenocarcinoma", 38, "IA", ("1b", "0", "0"), Laterality.LEFT,
                treatments=(
                    Tx(
                        Modality.SURGERY, 37, 37, "Removal of the lower lobe of the left lung.",
                        "Short of breath when walking uphill.",
                    ),
                ),
                events=(Event(36, NED, "No sign of cancer on the CT scan."),),
            ),
        ),
    ),
    Person(
        "DEMO-0015", "Samuel", "Levy", Sex.MALE, 66, (9, 29), NURSE2, "America/Los_Angeles",
        mobile="+15555550115",
        diagnoses=(
            Dx(
                CancerType.HEAD_NECK, "Squamous cell carcinoma of the larynx", 75, "II",
                ("2", "0", "0"),
                treatments=(
                    Tx(
                        Modality.RADIATION, 74, 72, "Radiation to the voice box.",
                        "Hoarse voice; dry mouth.",
                    ),
                ),
                events=(Event(69, NED, "Clear scope and scan."),),
            ),
        ),
    ),
)
# fmt: on


# --- Writing it --------------------------------------------------------------------------


def _months_ago(today: dt.date, months: int) -> dt.date:
    total = today.year * 12 + (today.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _born(today: dt.date, person: Person) -> dt.date:
    month, day = person.birthday
    return dt.date(today.year - person.age, month, day)


def _patient_data(person: Person, nurses: dict[str, User], today: dt.date) -> dict:
    consent_at = None
    if person.consent:
        # Consent was given when the patient joined the clinic, after the latest diagnosis.
        joined = _months_ago(today, person.diagnoses[-1].diagnosed) + dt.timedelta(days=14)
        consent_at = dt.datetime.combine(min(joined, today), dt.time(10), tzinfo=dt.UTC)
    handle = f"{person.given}.{person.family}".lower().replace("'", "")
    return {
        "medical_record_number": person.mrn,
        "given_name": person.given,
        "family_name": person.family,
        "date_of_birth": _born(today, person),
        "sex": person.sex,
        "email": f"{handle}@example.org" if person.email else "",
        "mobile_phone": person.mobile,
        "preferred_channel": person.channel,
        "time_zone": person.time_zone,
        "preferred_language": person.language,
        "primary_nurse": nurses[person.nurse],
        "reminder_consent_at": consent_at,
        "active": True,
    }


def _care_team(person: Person, nurses: dict[str, User]) -> list[User]:
    if not person.shared:
        return [nurses[person.nurse]]
    return [nurses[NURSE], nurses[NURSE2]]


def _write_history(patient: Patient, person: Person, by: User, today: dt.date) -> None:
    for dx in person.diagnoses:
        diagnosis = services.diagnosis_save(
            diagnosis=CancerDiagnosis(
                patient=patient,
                cancer_type=dx.cancer_type,
                histology=dx.histology,
                laterality=dx.laterality,
                diagnosed_on=_months_ago(today, dx.diagnosed),
                stage_group=dx.stage,
                stage_t=dx.tnm[0],
                stage_n=dx.tnm[1],
                stage_m=dx.tnm[2],
                second_primary=dx.second_primary,
            )
        )
        for tx in dx.treatments:
            services.treatment_save(
                treatment=Treatment(
                    diagnosis=diagnosis,
                    modality=tx.modality,
                    intent=tx.intent,
                    started_on=_months_ago(today, tx.started),
                    ended_on=None if tx.ended is None else _months_ago(today, tx.ended),
                    notes=tx.notes,
                    lasting_side_effects=tx.side_effects,
                    **dict(tx.details),
                )
            )
        # In date order: a return of disease is classified from the events before it.
        for event in sorted(dx.events, key=lambda item: -item.months_ago):
            services.status_event_record(
                event=DiseaseStatusEvent(
                    diagnosis=diagnosis,
                    event_date=_months_ago(today, event.months_ago),
                    site=event.site,
                    recurrence_type=event.recurrence_type,
                    restage=event.restage,
                    note=event.note,
                ),
                reported_status=event.status,
                by=by,
            )


def seed_caseload(*, nurses: dict[str, User]) -> list[Patient]:
    """Create the demo patients that are missing, and the history of those that have none."""
    today = timezone.localdate()
    existing = {
        patient.medical_record_number: patient
        for patient in Patient.objects.filter(
            medical_record_number__in=[person.mrn for person in CASELOAD]
        )
    }
    with_history = set(
        CancerDiagnosis.objects.filter(patient__in=existing.values()).values_list(
            "patient_id", flat=True
        )
    )
    patients = []
    for person in CASELOAD:
        patient = existing.get(person.mrn)
        if patient is not None and patient.pk in with_history:
            patients.append(patient)
            continue
        data = _patient_data(person, nurses, today)
        team = _care_team(person, nurses)
        if patient is None:
            patient = services.patient_create(data=data, care_team=team)
        else:
            # Made by an older seed with just a name: fill it in.
            patient = services.patient_update(patient=patient, data=data, care_team=team)
        _write_history(patient, person, nurses[person.nurse], today)
        if person.mrn in PRIMARY_CARE:
            services.patient_primary_care_update(patient=patient, data=PRIMARY_CARE[person.mrn])
        patients.append(patient)
    return patients


# The primary-care doctors on record, who receive the shared-care letter (fictional).
PRIMARY_CARE = {
    "DEMO-0001": {
        "pcp_name": "Dr Grace Whitaker",
        "pcp_practice": "Maple Street Family Practice",
        "pcp_phone": "+15555550190",
        "pcp_email": "gwhitaker@maple-practice.example.org",
        "pcp_secure_address": "gwhitaker@direct.maple-practice.example.org",
    },
}


# --- Care plans and a lived-in schedule ---------------------------------------------------

# Left overdue on purpose so the dashboard has something in each band:
# (fewest days overdue, most days overdue or None, how many items).
OVERDUE_BANDS: tuple[tuple[int, int | None, int], ...] = ((1, 30, 2), (31, 90, 2), (91, None, 2))
# Upcoming appointments booked: record number -> how many of the patient's next items.
BOOKED = (
    ("DEMO-0001", 2),  # demo-patient: her mammogram and check-up, within the next week
    ("DEMO-0002", 1),
    ("DEMO-0005", 1),
    ("DEMO-0007", 1),
    ("DEMO-0011", 1),
    ("DEMO-0014", 1),
)
CLINIC_ROOM = "Survivorship Clinic, room 2"
APPOINTMENT_TIME = dt.time(9, 30)
BOOK_AFTER_DAYS = 5  # the earliest booking is this many days from today
RECENT_DAYS = 14  # an item that fell due this recently is "due now": nobody has booked it yet
# Completed a few days after the due date, varying from item to item.
COMPLETION_DELAYS = (0, 3, 6, 9)
MISSED_NOTE = "Did not attend; two phone messages left, not rebooked yet."


def _template_code(diagnosis: CancerDiagnosis) -> str:
    return guidelines.suggested_template(diagnosis.cancer_type, diagnosis.stage_group).code


def _start_date(diagnosis: CancerDiagnosis, today: dt.date) -> dt.date:
    start = followup_services.default_start_date(diagnosis)
    if start is None:  # no curative treatment has ended: count from six months in
        start = min(scheduling.add_months(diagnosis.diagnosed_on, 6), today)
    return start


def _days_overdue(item, today: dt.date) -> int:
    return (today - item.window_end).days


def choose_overdue(plans: Sequence[Sequence], today: dt.date) -> list:
    """Pick the items to leave overdue: for each band, items of different patients.

    ``plans`` holds each plan's items (anything with ``rule_key``, ``sequence``,
    ``due_date`` and ``window_end``), in caseload order. The natural overdue item is the
    latest past one of a rule, so those are tried first; any past item is the fallback.
    Pure, so the test can check every band is filled whatever today's date is.
    """
    latest: list[tuple[int, object]] = []
    past: list[tuple[int, object]] = []
    for index, items in enumerate(plans):
        by_rule = {}
        for item in sorted(items, key=lambda item: (item.due_date, item.sequence)):
            if item.window_end < today:
                by_rule[item.rule_key] = item
                past.append((index, item))
        latest.extend((index, item) for item in by_rule.values())
    chosen: list = []
    used: set[int] = set()
    for low, high, count in OVERDUE_BANDS:
        picked = 0
        for pool, spread in ((latest, True), (past, True), (past, False)):
            for index, item in pool:
                if picked == count:
                    break
                days = _days_overdue(item, today)
                in_band = low <= days and (high is None or days <= high)
                if in_band and item not in chosen and not (spread and index in used):
                    chosen.append(item)
                    used.add(index)
                    picked += 1
    return chosen


def _status_on(diagnosis: CancerDiagnosis, day: dt.date) -> str | None:
    status = None
    for event in sorted(diagnosis.status_events.all(), key=lambda e: (e.event_date, e.pk)):
        if event.event_date <= day:
            status = event.status
    return status


def _complete(visit: FollowUpVisit, diagnosis: CancerDiagnosis, delay: int, today: dt.date):
    done = min(visit.due_date + dt.timedelta(days=delay), visit.window_end, today)
    status = _status_on(diagnosis, done)
    if status in (None, DiseaseStatus.NED):
        outcome, note = Outcome.NED, ""
    else:  # living with the disease: the item is one step of ongoing monitoring
        outcome, note = Outcome.MORE_TESTS, "Followed up with the oncology team."
    followup_services.visit_complete(visit=visit, completed_on=done, outcome=outcome, note=note)


def _book(visits: Iterable[FollowUpVisit], patient: Patient, count: int, today: dt.date):
    tz = zoneinfo.ZoneInfo(patient.time_zone)
    upcoming = [
        visit
        for visit in visits
        if visit.status == VisitStatus.PLANNED
        and visit.window_end >= today
        and visit.due_date > today - dt.timedelta(days=RECENT_DAYS)
    ]
    upcoming.sort(key=lambda visit: (visit.due_date, visit.rule_key, visit.sequence))
    for offset, visit in enumerate(upcoming[:count]):
        day = max(visit.due_date, today + dt.timedelta(days=BOOK_AFTER_DAYS + offset))
        followup_services.visit_schedule(
            visit=visit,
            at=dt.datetime.combine(day, APPOINTMENT_TIME, tzinfo=tz),
            location=CLINIC_ROOM,
        )


def _live_in(plans: list[CarePlan], today: dt.date) -> None:
    """Make new plans look used: past items done, a few overdue, the next few booked."""
    items = {
        plan.pk: list(plan.visits.order_by("due_date", "rule_key", "sequence")) for plan in plans
    }
    overdue = choose_overdue([items[plan.pk] for plan in plans], today)
    overdue_pks = {visit.pk for visit in overdue}
    recent = today - dt.timedelta(days=RECENT_DAYS)
    for plan in plans:
        done = 0
        for visit in items[plan.pk]:
            if visit.pk in overdue_pks:
                continue
            if visit.window_end < today or visit.due_date <= recent:
                delay = COMPLETION_DELAYS[done % len(COMPLETION_DELAYS)]
                _complete(visit, plan.diagnosis, delay, today)
                done += 1
    # The most overdue item of all was booked once and not attended.
    worst = max(overdue, key=lambda visit: _days_overdue(visit, today), default=None)
    if worst is not None:
        followup_services.visit_mark_missed(visit=worst, note=MISSED_NOTE)
    by_mrn = {plan.patient.medical_record_number: plan for plan in plans}
    for mrn, count in BOOKED:
        plan = by_mrn.get(mrn)
        if plan is not None:
            _book(items[plan.pk], plan.patient, count, today)


def seed_care_plans(*, patients: Iterable[Patient]) -> list[CarePlan]:
    """Build a care plan for each patient's latest diagnosis that has none; return new plans.

    Owned by the patient's primary nurse, counted from the end of the last curative
    treatment (or six months after diagnosis when none has ended).
    """
    today = timezone.localdate()
    patients = list(patients)
    diagnoses = (
        CancerDiagnosis.objects.filter(patient__in=patients)
        .select_related("patient")
        .prefetch_related(
            "treatments",
            "status_events",
            Prefetch("care_plans", queryset=CarePlan.objects.only("pk", "diagnosis_id")),
        )
        .order_by("patient_id", "-diagnosed_on", "-pk")
    )
    latest: dict[int, CancerDiagnosis] = {}
    for diagnosis in diagnoses:
        latest.setdefault(diagnosis.patient_id, diagnosis)
    templates = {template.code: template for template in CarePlanTemplate.objects.all()}
    plans = []
    for patient in patients:
        diagnosis = latest.get(patient.pk)
        if diagnosis is None or diagnosis.care_plans.all():
            continue
        plans.append(
            followup_services.careplan_create(
                diagnosis=diagnosis,
                template=templates[_template_code(diagnosis)],
                start_date=_start_date(diagnosis, today),
                owner=patient.primary_nurse,
                today=today,
            )
        )
    _live_in(plans, today)
    _pause_after_a_return(plans)
    return plans


def _pause_after_a_return(plans: Iterable[CarePlan]) -> None:
    """A plan whose diagnosis came back was paused when the return was recorded, and the
    return was talked through with the patient (issue 19): as their nurse would have."""
    for plan in plans:
        latest = plan.diagnosis.status_events.order_by("-event_date", "-pk").first()
        if latest is None or latest.status not in RETURN_OF_DISEASE:
            continue
        if latest.discussed_at is None:
            services.status_event_discussed_mark(event=latest, by=plan.owner)
        recurrence.plan_pause(
            plan=plan, by=plan.owner, reason=recurrence.pause_reason_for(latest), event=latest
        )


# --- Symptom reports ------------------------------------------------------------------------

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
SIGN_LABELS = dict(GENERAL_WARNING_SIGNS)


@dataclass(frozen=True)
class Report:
    """One demo symptom report; the triage level comes from the real triage rules."""

    mrn: str
    n: int  # the patient's own report number: part of the fixed submission key
    days_ago: int
    at: dt.time  # local time in the patient's zone (moved back if it is not yet past)
    signs: tuple[tuple[str, str, int | None, str], ...] = ()  # (code, severity, days, trend)
    worry: int | None = None
    distress: int | None = None
    text: str = ""
    fate: str = RESOLVED  # OPEN, ACKNOWLEDGED or RESOLVED by the primary nurse
    action: str = Resolution.NO_ACTION
    note: str = ""


MILD, MODERATE, SEVERE = "mild", "moderate", "severe"
NOTHING_NEW_NOTE = "Nothing new; worry low. No action needed."

# fmt: off
REPORTS = (
    # Maria Lopez (demo-patient): seven reports over three months. Her worry climbs as her
    # mammogram comes near ("scanxiety"), and an ache comes back and gets worse.
    Report("DEMO-0001", 1, 84, dt.time(19, 5), worry=2, distress=1, note=NOTHING_NEW_NOTE),
    Report(
        "DEMO-0001", 2, 70, dt.time(20, 40), (("pain", MILD, 4, "new"),), 3, 2,
        note="A mild ache near the scar, settling. To look at during the next visit.",
    ),
    Report("DEMO-0001", 3, 56, dt.time(18, 15), worry=2, distress=2, note=NOTHING_NEW_NOTE),
    Report(
        "DEMO-0001", 4, 42, dt.time(21, 0), (("fever_chills_headache", MILD, 2, "new"),), 3, 3,
        note="A cold going round the family; no fever since.",
    ),
    Report("DEMO-0001", 5, 28, dt.time(19, 30), worry=3, distress=2, note=NOTHING_NEW_NOTE),
    Report(
        "DEMO-0001", 6, 12, dt.time(22, 10), (("pain", MILD, 5, "same"),), 6, 4,
        "I keep thinking about my mammogram.", action=Resolution.CALLED,
        note="Talked through the worry before her mammogram; she will try the support group.",
    ),
    Report(
        "DEMO-0001", 7, 2, dt.time(20, 25), (("pain", MODERATE, 9, "worse"),), 7, 6,
        "The ache under my left arm is back and a bit worse. My mammogram is next week and "
        "I can't stop thinking about it.",
        fate=OPEN,
    ),
    # Helen Brooks: back pain with bone metastases, now much worse: urgent, still open.
    Report(
        "DEMO-0003", 1, 20, dt.time(10, 20), (("pain", MODERATE, 3, "new"),), 5, 5,
        "Aching low in my back.", action=Resolution.ORDERED_TEST,
        note="Spoke with her oncologist: pain relief adjusted and an MRI of the spine booked.",
    ),
    Report(
        "DEMO-0003", 2, 0, dt.time(0, 0), (("pain", SEVERE, 4, "worse"),), 8, 7,
        "My back pain is much worse since Sunday. The painkillers are not helping and I "
        "can't sleep.",
        fate=OPEN,
    ),
    Report(
        "DEMO-0004", 1, 10, dt.time(9, 45), (("breathless_cough", MODERATE, 21, "same"),), 4, 5,
        fate=ACKNOWLEDGED,
    ),
    Report(
        "DEMO-0005", 1, 35, dt.time(8, 30), (("blood_stool_urine", MILD, 2, "new"),), 5, 4,
        action=Resolution.ORDERED_TEST,
        note="Called the same day: a urine infection, treated by his GP. PSA unchanged.",
    ),
    # A mild, new ache with nothing else: routine, waiting for the next review.
    Report(
        "DEMO-0005", 2, 3, dt.time(9, 15), (("pain", MILD, 3, "new"),), 2, 1,
        "A stiff knee since gardening at the weekend.", fate=OPEN,
    ),
    # A new rash within a year of immunotherapy: review (immune-related side effects).
    Report(
        "DEMO-0006", 1, 2, dt.time(13, 50), (("rash_allergy", MILD, 4, "new"),), 2, 1,
        "An itchy rash on my arms.", fate=OPEN,
    ),
    Report(
        "DEMO-0007", 1, 24, dt.time(16, 5),
        (("nausea_appetite_swallowing", MODERATE, 16, "same"),), 3, 4,
        action=Resolution.REFERRED,
        note="Referred to speech and swallowing therapy; a dietitian will call him.",
    ),
    Report("DEMO-0008", 1, 6, dt.time(12, 0), worry=1, distress=1, note=NOTHING_NEW_NOTE),
    # Sam Okafor's caseload (demo-nurse2).
    Report("DEMO-0002", 1, 45, dt.time(19, 0), worry=2, distress=3, note=NOTHING_NEW_NOTE),
    Report(
        "DEMO-0002", 2, 18, dt.time(23, 20), worry=6, distress=9,
        text="A hard few weeks: money worries and I can't sleep.", action=Resolution.REFERRED,
        note="Called the same day; referred to the psycho-oncology team and a social worker.",
    ),
    Report(
        "DEMO-0002", 3, 4, dt.time(18, 45), (("fever_chills_headache", MILD, 3, "new"),), 3, 4,
        fate=ACKNOWLEDGED,
    ),
    Report(
        "DEMO-0013", 1, 1, dt.time(11, 10), (("lump_swelling", MODERATE, 7, "new"),), 5, 4,
        "A small lump under my right arm.", fate=OPEN,
    ),
    Report(
        "DEMO-0014", 1, 40, dt.time(10, 0), (("breathless_cough", MILD, 30, "same"),), 3, 2,
        action=Resolution.ORDERED_TEST,
        note="Chest X-ray ordered: clear. Breathlessness unchanged since surgery.",
    ),
)
# fmt: on
URGENT_MINUTES_AGO = 50  # a report sent today is this recent: before any escalation is due


def _sent_at(report: Report, patient: Patient, now: dt.datetime) -> dt.datetime:
    if report.days_ago == 0:
        return now - dt.timedelta(minutes=URGENT_MINUTES_AGO)
    day = timezone.localdate(now) - dt.timedelta(days=report.days_ago)
    at = dt.datetime.combine(day, report.at, tzinfo=zoneinfo.ZoneInfo(patient.time_zone))
    return min(at, now - dt.timedelta(hours=1))


def _handle(report: SymptomReport, fate: Report, nurse: User, now: dt.datetime) -> None:
    """Acknowledge or resolve a new report as its nurse did, at a time after it was sent."""
    if fate.fate == OPEN:
        return
    urgent = report.triage_level == TriageLevel.URGENT
    acknowledged_at = min(report.submitted_at + dt.timedelta(hours=1 if urgent else 20), now)
    resolved_at = min(acknowledged_at + dt.timedelta(hours=3), now)
    if fate.fate == ACKNOWLEDGED:
        reporting.report_acknowledge(report=report, by=nurse)
    else:
        reporting.report_resolve(report=report, by=nurse, action=fate.action, note=fate.note)
    changes = {"acknowledged_at": acknowledged_at}
    if fate.fate == RESOLVED:
        changes["resolved_at"] = resolved_at
    SymptomReport.objects.filter(pk=report.pk).update(**changes)
    # The nurse answered this urgent report long ago: no alert about it now.
    Reminder.objects.filter(
        dedupe_key__startswith=f"alert:triage:{report.pk}:", status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.CANCELLED, skip_reason="handled before the demo started")


def seed_symptom_reports(patients: dict[str, Patient]) -> list[SymptomReport]:
    """Submit the demo reports that are missing, oldest first; return the new ones.

    Each goes through ``reporting.report_submit`` (so the triage rules compare it with the
    patient's earlier reports) and is then dated back; older reports are made first so
    that every report's history is the one a real patient would have had.
    """
    now = timezone.now()
    known = set(
        SymptomReport.objects.filter(submission_key__startswith="demo-report-").values_list(
            "submission_key", flat=True
        )
    )
    planned = [
        (_sent_at(report, patients[report.mrn], now), report)
        for report in REPORTS
        if report.mrn in patients
    ]
    created = []
    for sent_at, spec in sorted(planned, key=lambda item: item[0]):
        key = f"demo-report-{spec.mrn}-{spec.n}"
        if key in known:
            continue
        patient = patients[spec.mrn]
        signs = [
            {"code": code, "label": SIGN_LABELS[code], "severity": severity, "days": days,
             "trend": trend}
            for code, severity, days, trend in spec.signs
        ]  # fmt: skip
        submitted = reporting.report_submit(
            patient=patient,
            submission_key=key,
            signs=signs,
            other_text=spec.text,
            worry=spec.worry,
            distress=spec.distress,
            nothing_new=not signs and not spec.text,
        )
        report = submitted.report
        if not submitted.created:
            continue
        SymptomReport.objects.filter(pk=report.pk).update(submitted_at=sent_at)
        report.submitted_at = sent_at
        _handle(report, spec, patient.primary_nurse, now)
        created.append(report)
    return created


# Signs a nurse has marked as known for a patient (issue #11): reported unchanged, they
# no longer alert; worse goes to review.
BASELINES = (
    ("DEMO-0014", "breathless_cough", MILD, "Mild breathlessness on stairs since surgery; "
     "chest X-ray clear. Unchanged is expected."),
)  # fmt: skip


def seed_baselines(patients: dict[str, Patient]) -> None:
    """Set the demo baselines that are missing, as the patient's primary nurse."""
    for mrn, code, severity, note in BASELINES:
        patient = patients.get(mrn)
        if patient is None or patient.primary_nurse is None:
            continue
        if patient.known_baselines.filter(code=code, ended_at__isnull=True).exists():
            continue
        reporting.baseline_set(
            patient=patient,
            by=patient.primary_nurse,
            code=code,
            label=SIGN_LABELS[code],
            severity=severity,
            note=note,
            review_on=timezone.localdate() + dt.timedelta(days=90),
        )


def _user(username: str, first: str, last: str, password: str) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.email = f"{username}@example.org"
    user.is_active = True
    user.set_password(password)
    return user


# Missed his last two weekly check-ins: on demo-nurse's call list (issue 18).
QUIET_PATIENT = "DEMO-0007"


def seed_call_list(patient: Patient) -> None:
    """Two weekly check-ins gone unanswered, and this week's open: a call-list entry.

    Opened through the service like any check-in, 14 and 7 days back; their prompts are
    marked as not sent (they belong to the past), so start-up sends only this week's.
    Idempotent per day, like checkin_open.
    """
    plan = patient.care_plans.filter(status="active").first()
    if plan is None:
        return
    today = timezone.localdate()
    opened = [checkin_open(plan, today - dt.timedelta(days=days)) for days in (14, 7)]
    Reminder.objects.filter(
        checkin__in=[checkin for checkin in opened if checkin is not None],
        status=ReminderStatus.PENDING,
    ).update(status=ReminderStatus.SKIPPED, skip_reason="demo history: a past week's prompt")
    checkin_open(plan, today)


def seed_shared_care_letters(patients: dict[str, Patient], *, by: User) -> None:
    """Send the shared-care letter of each demo patient with a primary-care doctor, once.

    Through the service, like a nurse: the outbox row is sent by the worker of `make run`
    (to the console and var/mail/), and the plan page shows it as sent.
    """
    for mrn in PRIMARY_CARE:
        plan = patients[mrn].care_plans.filter(status="active").first()
        if plan is not None and not plan.shared_care_letters.exists():
            plan_letter_send(plan=plan, by=by)


def seed_visible_reminder(patient: Patient) -> None:
    """Make the reminder pipeline visible on a fresh `make run`, at any time of day.

    The demo patient accepts messages at any hour, and today's symptom check-in is
    opened for her: its prompt falls due at once and the worker sends it on the next
    dispatch run (every minute) to the console and var/mail/. Opening a check-in is
    idempotent per plan and day, so running seed_demo again the same day sends nothing
    more.
    """
    ReminderPreference.objects.update_or_create(
        patient=patient, defaults={"quiet_start": dt.time(0, 0), "quiet_end": dt.time(23, 59)}
    )
    plan = patient.care_plans.filter(status="active").first()
    if plan is not None:
        checkin_open(plan, timezone.localdate())


def seed(*, password: str) -> list[tuple[str, str]]:
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUP_NAMES.items()}
    accounts = []
    staff = {}
    for username, first, last, role in STAFF:
        user = _user(username, first, last, password)
        user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
        user.groups.add(groups[role])
        staff[username] = user
        accounts.append((username, role.value))
    patients = {
        patient.medical_record_number: patient
        for patient in seed_caseload(nurses={NURSE: staff[NURSE], NURSE2: staff[NURSE2]})
    }
    seed_care_plans(patients=patients.values())
    seed_symptom_reports(patients)
    seed_baselines(patients)
    seed_visible_reminder(patients[PATIENTS[0][3]])
    seed_shared_care_letters(patients, by=staff[NURSE])
    seed_call_list(patients[QUIET_PATIENT])
    for username, first, last, mrn in PATIENTS:
        user = _user(username, first, last, password)
        user.save()
        patient = patients[mrn]
        if patient.user_id != user.pk:
            patient.user = user
            patient.save(update_fields=["user", "updated_at"])
        accounts.append((username, Role.PATIENT.value))
    seed_caregiver(patients[PATIENTS[0][3]], password=password)
    accounts.append((CAREGIVER, Role.CAREGIVER.value))
    return accounts


def seed_caregiver(patient: Patient, *, password: str) -> None:
    """demo-caregiver: Maria's husband, who may see her plan and report symptoms for her."""
    user = _user(CAREGIVER, "Daniel", "Lopez", password)
    user.save()
    if not CaregiverGrant.objects.live().filter(patient=patient, caregiver=user).exists():
        services.caregiver_grant_create(
            patient=patient,
            name="Daniel Lopez",
            relationship="husband",
            email=user.email,
            by=patient.user,
            base_url=settings.SITE_URL,
            permissions={"can_see_plan": True, "can_report": True},
        )
