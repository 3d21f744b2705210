"""The shared-care letter as PDF, read back with pypdf."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from followup.documents import plan_letter_missing
from followup.models import CarePlanTemplate
from followup.services import plans as services
from patients.models import Patient, Treatment


@pytest.fixture
def plan(nurse, helen, diagnosis):
    start = timezone.localdate() - timedelta(days=400)
    Treatment.objects.filter(diagnosis=diagnosis).update(ended_on=start)
    Treatment.objects.create(
        diagnosis=diagnosis, modality="chemotherapy", intent="curative",
        started_on=start - timedelta(days=120), ended_on=start, agent="doxorubicin",
        cycles=4, dose_mg_m2=Decimal("240"),
    )  # fmt: skip
    helen.pcp_name = "Dr Sam Okafor"
    helen.pcp_email = "okafor@riverside.example"
    helen.save()
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=start,
        owner=nurse,
    )


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_nurse_downloads_the_letter_and_it_holds_the_schedule(client, nurse, plan):
    client.force_login(nurse)
    response = client.get(reverse("nurse:plan_letter", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Helen Marsh" in text
    assert "Dr Sam Okafor" in text
    assert "follow-up schedule" in text
    assert "Echocardiogram" in text or "echocardiogram" in text
    assert "Because of anthracyclines" in text


def test_the_patient_downloads_their_own_copy_only(client, patient_user, patient2_user, plan):
    Patient.objects.filter(user=patient_user).update(user=None)
    plan.patient.user = patient_user
    plan.patient.save()
    client.force_login(patient_user)
    response = client.get(reverse("portal:plan_letter", args=[plan.pk]))
    assert response.status_code == 200
    assert "Helen Marsh" in pdf_text(response.content)
    client.force_login(patient2_user)
    assert client.get(reverse("portal:plan_letter", args=[plan.pk])).status_code == 404


def test_it_says_what_is_missing_before_a_letter_can_go_to_primary_care(helen):
    assert plan_letter_missing(patient=helen) == [
        "the primary-care doctor's name",
        "the primary-care doctor's email",
    ]
    helen.pcp_name = "Dr Sam Okafor"
    assert plan_letter_missing(patient=helen) == ["the primary-care doctor's email"]


def test_the_plan_groups_what_is_still_to_come_by_who_does_it(client, nurse, plan):
    plan.visits.filter(kind="visit").update(responsible="primary_care")
    plan.patient.care_transferred_on = timezone.localdate() - timedelta(days=10)
    plan.patient.save()
    client.force_login(nurse)
    html = client.get(reverse("nurse:plan_print", args=[plan.pk])).content.decode()
    groups = {
        key: html.split(f'data-who="{key}"')[1].split("</div>")[0]
        for key in ("oncology", "primary_care", "patient")
    }
    assert "Your primary-care doctor, Dr Sam Okafor" in groups["primary_care"]
    assert "Check-up visit: next around" in groups["primary_care"]
    assert "Check-up visit" not in groups["oncology"]
    assert "Nothing planned for now" in groups["patient"]
    # An item a late-effects rule added is grouped with its reason.
    echo = plan.visits.get(reason__startswith="Because of anthracyclines")
    echo.responsible = "patient"
    echo.due_date = echo.window_start = timezone.localdate() + timedelta(days=30)
    echo.window_end = echo.due_date + timedelta(days=60)
    echo.save()
    html = client.get(reverse("nurse:plan_print", args=[plan.pk])).content.decode()
    mine = html.split('data-who="patient"')[1].split("</div>")[0]
    assert "Heart scan (echocardiogram): next around" in mine
    assert "Because of anthracyclines" in mine
    assert "leads your follow-up" in html
    # The treatment summary carries the particulars ASCO's template asks for.
    assert "Doxorubicin (Adriamycin), 4 cycles, 240 mg/m² in total" in html
    text = pdf_text(client.get(reverse("nurse:plan_letter", args=[plan.pk])).content)
    assert "Who does what" in text
