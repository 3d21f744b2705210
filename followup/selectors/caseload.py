"""The nurse's caseload and the patient page's timeline: the record joined to follow-up."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from followup.models import FollowUpVisit, Reminder, VisitStatus
from patients.models import CancerDiagnosis, Patient
from patients.selectors import TimelineEntry, patients_for, record_timeline

MESSAGES_ON_TIMELINE = 50

SCOPES = {
    "mine": "My patients",
    "team": "Care team",
    "all": "All I may see",
}
# Allow-list of sort keys: the user's value selects one of these, never reaches SQL.
SORTS = {
    "name": ("family_name", "given_name", "pk"),
    "-name": ("-family_name", "-given_name", "-pk"),
    "mrn": ("medical_record_number",),
    "-mrn": ("-medical_record_number",),
    "age": ("-date_of_birth", "pk"),
    "-age": ("date_of_birth", "pk"),
    "status": ("current_status", "family_name", "pk"),
    "-status": ("-current_status", "family_name", "pk"),
    "overdue": ("overdue_count", "family_name", "pk"),
    "-overdue": ("-overdue_count", "family_name", "pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
}


def with_overdue_count(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate how many follow-up items of active plans are overdue (window ended)."""
    overdue = (
        FollowUpVisit.objects.filter(patient_id=OuterRef("pk"), plan__status="active")
        .overdue()
        .order_by()
        .values("patient_id")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return patients.annotate(overdue_count=Coalesce(models.Subquery(overdue[:1]), 0))


def caseload(
    *,
    user,
    scope: str = "mine",
    search: str = "",
    cancer_type: str = "",
    status: str = "",
    overdue: bool = False,
    sort: str = "name",
) -> QuerySet[Patient]:
    """The nurse's caseload list, in a constant number of queries whatever its length."""
    patients = patients_for(user)
    if scope == "mine":
        patients = patients.filter(primary_nurse=user)
    elif scope == "team":
        on_team = Patient.care_team.through.objects.filter(
            patient_id=OuterRef("pk"), user_id=user.pk
        )
        patients = patients.filter(Exists(on_team))
    for term in search.split():
        patients = patients.filter(
            Q(given_name__icontains=term)
            | Q(family_name__icontains=term)
            | Q(medical_record_number__icontains=term)
        )
    if cancer_type:
        patients = patients.filter(
            Exists(
                CancerDiagnosis.objects.filter(patient_id=OuterRef("pk"), cancer_type=cancer_type)
            )
        )
    patients = with_overdue_count(patients.with_current_status())
    if status:
        patients = patients.filter(current_status=status)
    if overdue:
        patients = patients.filter(overdue_count__gt=0)
    return (
        patients.select_related("primary_nurse")
        .prefetch_related(
            Prefetch(
                "diagnoses",
                queryset=CancerDiagnosis.objects.only(
                    "id", "patient_id", "cancer_type", "diagnosed_on"
                ).order_by("diagnosed_on"),
            )
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )


def patient_timeline(*, patient: Patient, done=None) -> dict:
    """The record's timeline plus follow-up items that happened (or did not) and messages.

    ``done``: those items, when the caller has them already (the patient page does).
    """
    entries = []
    # Follow-up items that have happened (or did not): the schedule on the timeline.
    if done is None:
        done = FollowUpVisit.objects.filter(patient=patient).exclude(
            status__in=[VisitStatus.PLANNED, VisitStatus.SCHEDULED]
        )
    entries += [
        TimelineEntry(visit.completed_on or visit.due_date, "visit", visit, None) for visit in done
    ]
    # Messages: what was sent, what failed and what was not sent (with the reason).
    sent_or_not = (
        Reminder.objects.filter(
            patient=patient,
            recipient_user__isnull=True,
            status__in=["sent", "failed", "skipped", "uncertain"],
        )
        .select_related("settled_by")
        .order_by("-send_at")[:MESSAGES_ON_TIMELINE]
    )
    entries += [
        TimelineEntry(
            timezone.localtime(reminder.sent_at or reminder.send_at).date(),
            "message",
            reminder,
            None,
        )
        for reminder in sent_or_not
    ]
    return record_timeline(patient=patient, extra_entries=entries)
