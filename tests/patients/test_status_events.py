from datetime import date

import pytest
from django.core.exceptions import ValidationError

from patients.choices import DiseaseStatus
from patients.models import DiseaseStatusEvent, Patient
from patients.services import RETURN, status_event_record


def test_it_records_a_late_return_as_a_distant_recurrence_named_for_the_original_cancer(
    diagnosis, nurse
):
    event = status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis,
            event_date=date(2025, 10, 1),
            recurrence_type="distant",
            site="bone",
            restage="rIV",
        ),
        reported_status=RETURN,
        by=nurse,
    )
    assert event.status == DiseaseStatus.RECURRENCE
    assert event.classification_reason == (
        "no evidence of disease since 2022-09-01, 37 months: recurrence"
    )
    assert event.title == "Distant recurrence of breast cancer"
    assert event.recorded_by == nurse
    diagnosis.refresh_from_db()
    assert diagnosis.stage_group == "IIA"  # the original stage never changes


def test_it_records_an_early_return_as_progression_and_drops_the_recurrence_type(diagnosis):
    event = status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis, event_date=date(2023, 3, 1), recurrence_type="local"
        ),
        reported_status=RETURN,
    )
    assert event.status == DiseaseStatus.PROGRESSION
    assert event.recurrence_type == ""
    assert "6 months: likely progression" in event.classification_reason


def test_it_lets_the_nurse_override_the_classification_only_with_a_note(diagnosis):
    event = DiseaseStatusEvent(
        diagnosis=diagnosis, event_date=date(2023, 3, 1), recurrence_type="local"
    )
    with pytest.raises(ValidationError) as caught:
        status_event_record(
            event=event, reported_status=RETURN, override_status=DiseaseStatus.RECURRENCE
        )
    assert "Add a note" in caught.value.message_dict["override_note"][0]
    assert not DiseaseStatusEvent.objects.filter(event_date=date(2023, 3, 1)).exists()

    event = status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis, event_date=date(2023, 3, 1), recurrence_type="local"
        ),
        reported_status=RETURN,
        override_status=DiseaseStatus.RECURRENCE,
        override_note="Pathology shows a new local lesion; oncologist calls it recurrence.",
    )
    assert event.status == DiseaseStatus.RECURRENCE
    assert event.suggested_status == DiseaseStatus.PROGRESSION
    assert event.overridden


def test_it_requires_a_recurrence_type_for_a_recurrence(diagnosis):
    with pytest.raises(ValidationError) as caught:
        status_event_record(
            event=DiseaseStatusEvent(diagnosis=diagnosis, event_date=date(2025, 1, 1)),
            reported_status=RETURN,
        )
    assert "local, regional or distant" in caught.value.message_dict["recurrence_type"][0]


@pytest.mark.parametrize(
    ("day", "field", "message"),
    [
        (date(2021, 12, 1), "event_date", "cannot be before the diagnosis"),
        (date(2099, 1, 1), "event_date", "cannot be in the future"),
    ],
)
def test_it_refuses_impossible_dates(diagnosis, day, field, message):
    with pytest.raises(ValidationError) as caught:
        status_event_record(
            event=DiseaseStatusEvent(diagnosis=diagnosis, event_date=day),
            reported_status=DiseaseStatus.NED,
        )
    assert message in caught.value.message_dict[field][0]


def test_it_refuses_a_restage_without_the_r_prefix(diagnosis):
    with pytest.raises(ValidationError) as caught:
        status_event_record(
            event=DiseaseStatusEvent(
                diagnosis=diagnosis,
                event_date=date(2025, 1, 1),
                recurrence_type="regional",
                restage="IIIB",
            ),
            reported_status=RETURN,
        )
    assert "lower-case r" in caught.value.message_dict["restage"][0]


def test_it_derives_the_current_status_from_the_latest_event(helen, diagnosis):

    assert Patient.objects.with_current_status().get().current_status == DiseaseStatus.NED
    status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis, event_date=date(2025, 5, 1), recurrence_type="local"
        ),
        reported_status=RETURN,
    )
    annotated = Patient.objects.with_current_status().get()
    assert annotated.current_status == DiseaseStatus.RECURRENCE
    assert annotated.current_status_date == date(2025, 5, 1)
