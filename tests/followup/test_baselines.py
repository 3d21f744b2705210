"""Issue #11 (app side): known baselines, the self-harm question, clinic hours."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from followup.models import CarePlanTemplate, KnownBaseline, SymptomReport
from followup.rules import clinic_hours
from followup.services import plans as services
from followup.services import reports as reporting
from tests.followup.test_symptom_reports import post_report


@pytest.fixture
def plan(helen, diagnosis, nurse):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


@pytest.fixture
def helen_user(helen, django_user_model):
    user = django_user_model.objects.create_user("helen-portal", password="x")
    helen.user = user
    helen.save()
    return user


def test_a_nurse_on_the_care_team_sets_a_baseline_and_its_history_is_kept(helen, nurse):
    first = reporting.baseline_set(
        patient=helen, by=nurse, code="pain", label="Pain", severity="mild", note="Old scar"
    )
    second = reporting.baseline_set(
        patient=helen, by=nurse, code="pain", label="Pain", severity="moderate"
    )
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    assert list(KnownBaseline.objects.active().filter(patient=helen)) == [second]
    assert first.history.count() == 2  # created, then ended
    reporting.baseline_end(baseline=second, by=nurse)
    assert not KnownBaseline.objects.active().filter(patient=helen).exists()


def test_a_nurse_outside_the_care_team_or_a_patient_cannot_set_a_baseline(
    helen, nurse2, patient_user
):
    for user in (nurse2, patient_user):
        with pytest.raises(PermissionError):
            reporting.baseline_set(
                patient=helen, by=user, code="pain", label="Pain", severity="mild"
            )
    assert not KnownBaseline.objects.exists()


def test_each_signs_detail_fields_have_distinct_accessible_names(client, helen_user, plan):
    client.force_login(helen_user)
    page = client.get("/portal/report/").content.decode()
    names = [
        line.split('aria-label="', 1)[1].split('"', 1)[0]
        for line in page.split("<")
        if line.startswith("select") and "aria-label=" in line and "severity_" in line
    ]
    assert len(names) >= 14 and len(set(names)) == len(names)
    assert all(name.startswith("How bad is it: ") for name in names)


def test_yes_to_the_self_harm_question_shows_the_crisis_line_at_once(client, helen_user, plan):
    client.force_login(helen_user)
    response = post_report(client, self_harm="yes")
    report = SymptomReport.objects.get()
    assert report.self_harm is True
    page = client.get(response["Location"]).content.decode()
    assert "988" in page and "+1 555 0100" in page
    assert 'data-testid="crisis-line"' in page


def test_no_to_the_self_harm_question_shows_no_crisis_line(client, helen_user, plan):
    client.force_login(helen_user)
    response = post_report(client, self_harm="no")
    assert SymptomReport.objects.get().self_harm is False
    assert 'data-testid="crisis-line"' not in client.get(response["Location"]).content.decode()


HOURS = {"hours": "08:00-17:00", "days": "mon-fri", "holidays": ["2026-12-25"], "zone": "UTC"}


def test_the_clinic_is_open_on_working_days_in_hours_only():
    assert clinic_hours.is_open(datetime(2026, 12, 1, 9, tzinfo=UTC), **HOURS)  # Tuesday
    assert not clinic_hours.is_open(datetime(2026, 12, 1, 17, tzinfo=UTC), **HOURS)
    assert not clinic_hours.is_open(datetime(2026, 12, 5, 10, tzinfo=UTC), **HOURS)  # Saturday
    assert not clinic_hours.is_open(datetime(2026, 12, 25, 10, tzinfo=UTC), **HOURS)  # holiday


def test_a_review_is_due_at_closing_on_the_second_working_day():
    # Thursday 24 Dec: Friday 25 is a day off, the weekend too → Monday 28, Tuesday 29.
    due = clinic_hours.review_due(datetime(2026, 12, 24, 10, tzinfo=UTC), working_days=2, **HOURS)
    assert due == datetime(2026, 12, 29, 17, tzinfo=UTC)
    assert clinic_hours.parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    with pytest.raises(ValueError):
        clinic_hours.parse_days("funday")


def test_a_nurse_marks_a_sign_as_known_on_the_patient_page(client, helen, nurse, plan):
    client.force_login(nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "No known signs marked" in page
    response = client.post(
        f"/nurse/patients/{helen.pk}/baselines/",
        {"sign": "pain", "severity": "moderate", "note": "Scar pain since surgery"},
    )
    assert response.status_code == 302
    baseline = KnownBaseline.objects.get()
    assert (baseline.code, baseline.severity, baseline.set_by) == ("pain", "moderate", nurse)
    page = client.get(f"/nurse/patients/{helen.pk}/").content.decode()
    assert "usually moderate" in page and "Scar pain since surgery" in page
    client.post(f"/nurse/baselines/{baseline.pk}/end/")
    assert not KnownBaseline.objects.active().exists()


def test_a_bad_baseline_says_what_is_wrong_and_saves_nothing(client, helen, nurse, plan):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/baselines/",
        {"sign": "no-such-sign", "severity": "mild"},
        follow=True,
    )
    assert "The baseline was not saved" in response.content.decode()
    assert not KnownBaseline.objects.exists()


def test_a_nurse_outside_the_team_gets_a_404_for_the_patient_and_the_baseline(
    client, helen, nurse, nurse2, plan
):
    baseline = reporting.baseline_set(
        patient=helen, by=nurse, code="pain", label="Pain", severity="mild"
    )
    client.force_login(nurse2)
    assert client.post(f"/nurse/patients/{helen.pk}/baselines/", {}).status_code == 404
    assert client.post(f"/nurse/baselines/{baseline.pk}/end/").status_code == 404
    assert KnownBaseline.objects.active().count() == 1
