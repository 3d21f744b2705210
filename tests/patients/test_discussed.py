"""Issue 19: a return of disease waits for a nurse to say it was discussed with the patient.

Until then it is hidden from the portal (``DiseaseStatusEvent.objects.visible_to_patient``)
and only a nurse on the care team may mark it.
"""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from patients.choices import DiseaseStatus
from patients.models import DiseaseStatusEvent
from patients.services import RETURN, status_event_discussed_mark, status_event_record
from survivorship.models import AccessLog


@pytest.fixture
def recurrence(diagnosis, nurse):
    return status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis,
            event_date=date(2025, 10, 1),
            recurrence_type="distant",
            site="bone",
        ),
        reported_status=RETURN,
        by=nurse,
    )


def url(event):
    return f"/nurse/status/{event.pk}/discussed/"


def test_it_leaves_a_new_recurrence_undiscussed_and_hidden_from_the_patient(recurrence):
    assert recurrence.status == DiseaseStatus.RECURRENCE
    assert recurrence.discussed_at is None
    assert recurrence.needs_discussion
    visible = DiseaseStatusEvent.objects.visible_to_patient()
    assert recurrence not in visible
    # The earlier "no evidence of disease" is not news: it stays visible.
    assert visible.filter(diagnosis=recurrence.diagnosis, status=DiseaseStatus.NED).exists()


def test_it_hides_an_undiscussed_progression_too(diagnosis):
    event = status_event_record(
        event=DiseaseStatusEvent(diagnosis=diagnosis, event_date=date(2023, 3, 1)),
        reported_status=RETURN,
    )
    assert event.status == DiseaseStatus.PROGRESSION
    assert event not in DiseaseStatusEvent.objects.visible_to_patient()


def test_it_lets_a_nurse_on_the_care_team_mark_it_discussed(recurrence, nurse):
    marked = status_event_discussed_mark(event=recurrence, by=nurse)
    recurrence.refresh_from_db()
    assert recurrence.discussed_by == nurse
    assert recurrence.discussed_at is not None
    assert marked.discussed_at == recurrence.discussed_at
    assert not recurrence.needs_discussion
    assert recurrence in DiseaseStatusEvent.objects.visible_to_patient()


def test_it_refuses_a_nurse_not_on_the_care_team(recurrence, nurse2):
    with pytest.raises(PermissionDenied, match="Only a nurse on the care team"):
        status_event_discussed_mark(event=recurrence, by=nurse2)
    recurrence.refresh_from_db()
    assert recurrence.discussed_at is None


def test_it_refuses_an_administrator_and_the_patient(recurrence, administrator, patient_user):
    for someone in (administrator, patient_user):
        with pytest.raises(PermissionDenied):
            status_event_discussed_mark(event=recurrence, by=someone)
    recurrence.refresh_from_db()
    assert recurrence.discussed_at is None


def test_it_explains_when_it_was_already_marked(recurrence, nurse):
    nurse.first_name, nurse.last_name = "Nina", "Nurse"
    nurse.save()
    status_event_discussed_mark(event=recurrence, by=nurse)
    with pytest.raises(ValidationError) as caught:
        status_event_discussed_mark(event=recurrence, by=nurse)
    day = timezone.localdate()
    assert caught.value.messages == [
        f"This was already marked discussed on {day:%Y-%m-%d} by Nina Nurse."
    ]


def test_it_has_nothing_to_mark_on_a_routine_status(diagnosis, nurse):
    ned = diagnosis.status_events.get()
    with pytest.raises(ValidationError, match="Only a recurrence or a progression"):
        status_event_discussed_mark(event=ned, by=nurse)


def test_the_migration_treats_existing_events_as_already_discussed(recurrence):
    migration = importlib.import_module("patients.migrations.0010_status_event_discussed")
    migration.existing_events_were_discussed(apps, None)
    recurrence.refresh_from_db()
    assert recurrence.discussed_at == recurrence.created_at
    assert not DiseaseStatusEvent.objects.filter(discussed_at__isnull=True).exists()


# --- The nurse's page ------------------------------------------------------------------------


def test_the_timeline_shows_the_badge_and_the_way_to_mark_it(client, nurse, recurrence):
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{recurrence.diagnosis.patient_id}/").content.decode()
    assert "Not yet discussed with the patient — hidden from the portal" in page
    assert url(recurrence) in page
    status_event_discussed_mark(event=recurrence, by=nurse)
    page = client.get(f"/nurse/patients/{recurrence.diagnosis.patient_id}/").content.decode()
    assert "Not yet discussed with the patient" not in page


def test_the_status_form_history_shows_the_badge(client, nurse, recurrence):
    client.force_login(nurse)
    page = client.get(f"/nurse/diagnoses/{recurrence.diagnosis_id}/status/new/").content.decode()
    assert "Not yet discussed with the patient — hidden from the portal" in page


def test_a_get_only_asks(client, nurse, recurrence):
    client.force_login(nurse)
    response = client.get(url(recurrence))
    assert response.status_code == 200
    assert "Mark discussed with the patient" in response.content.decode()
    recurrence.refresh_from_db()
    assert recurrence.discussed_at is None


def test_a_post_without_the_tick_changes_nothing(client, nurse, recurrence):
    client.force_login(nurse)
    response = client.post(url(recurrence))
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    recurrence.refresh_from_db()
    assert recurrence.discussed_at is None


def test_a_confirmed_post_marks_it_and_is_logged(client, nurse, recurrence):
    client.force_login(nurse)
    response = client.post(url(recurrence), {"confirm": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/nurse/patients/{recurrence.diagnosis.patient_id}/"
    assert "Marked discussed with the patient" in response.content.decode()
    recurrence.refresh_from_db()
    assert recurrence.discussed_by == nurse
    assert AccessLog.objects.filter(
        action="update",
        object_type="diseasestatusevent",
        object_id=str(recurrence.pk),
        user=nurse,
    ).exists()


def test_posting_again_says_when_and_by_whom(client, nurse, recurrence):
    status_event_discussed_mark(event=recurrence, by=nurse)
    client.force_login(nurse)
    page = client.get(url(recurrence)).content.decode()
    assert "Marked discussed with the patient on" in page
    response = client.post(url(recurrence), {"confirm": "yes"})
    assert response.status_code == 400
    assert "already marked discussed on" in response.content.decode()


def test_a_routine_status_has_no_such_page(client, nurse, diagnosis):
    client.force_login(nurse)
    assert client.get(url(diagnosis.status_events.get())).status_code == 404


def test_the_page_admits_only_the_patients_nurses(
    client, recurrence, nurse2, patient_user, administrator
):
    response = client.get(url(recurrence))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(url(recurrence), {"confirm": "yes"}).status_code == 302

    client.force_login(patient_user)
    assert client.post(url(recurrence), {"confirm": "yes"}).status_code == 403
    client.force_login(administrator)  # not a nurse: like every other nurse-only write
    assert client.post(url(recurrence), {"confirm": "yes"}).status_code == 403
    client.force_login(nurse2)  # another caseload: not found, never a 403
    assert client.get(url(recurrence)).status_code == 404
    assert client.post(url(recurrence), {"confirm": "yes"}).status_code == 404

    recurrence.refresh_from_db()
    assert recurrence.discussed_at is None
