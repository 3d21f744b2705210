"""The primary-care doctor on the record and the transfer-of-care date."""

from datetime import date

from django.urls import reverse

from patients.models import Patient

VALID = {
    "pcp_name": "Dr Sam Okafor",
    "pcp_practice": "Riverside Family Practice",
    "pcp_phone": "+14155550199",
    "pcp_email": "okafor@riverside.example",
    "pcp_secure_address": "okafor@direct.riverside.example",
    "care_transferred_on": "2026-01-15",
}


def test_a_nurse_records_the_primary_care_doctor_and_sees_it_on_the_record(client, nurse, helen):
    client.force_login(nurse)
    url = reverse("nurse:patient_primary_care", args=[helen.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, VALID)
    assert response.status_code == 302
    helen = Patient.objects.get(pk=helen.pk)
    assert helen.pcp_email == "okafor@riverside.example"
    assert helen.care_transferred_on == date(2026, 1, 15)
    page = client.get(reverse("nurse:patient", args=[helen.pk])).content.decode()
    assert "Dr Sam Okafor, Riverside Family Practice" in page
    assert "Primary care leads follow-up from 2026-01-15" in page


def test_it_says_none_on_file_before_a_doctor_is_recorded(client, nurse, helen):
    client.force_login(nurse)
    page = client.get(reverse("nurse:patient", args=[helen.pk])).content.decode()
    assert "none on file" in page


def test_it_explains_bad_primary_care_input_field_by_field(client, nurse, helen):
    client.force_login(nurse)
    url = reverse("nurse:patient_primary_care", args=[helen.pk])
    response = client.post(url, {**VALID, "pcp_name": "", "pcp_email": "not-an-email"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Write the doctor's name" in " ".join(errors["pcp_name"])
    assert "email" in " ".join(errors["pcp_email"]).lower()
    assert "Name the primary-care doctor" in " ".join(errors["care_transferred_on"])
    assert Patient.objects.get(pk=helen.pk).pcp_email == ""


def test_another_nurses_patient_is_not_found(client, nurse2, helen):
    client.force_login(nurse2)
    url = reverse("nurse:patient_primary_care", args=[helen.pk])
    assert client.post(url, VALID).status_code == 404
    assert Patient.objects.get(pk=helen.pk).pcp_name == ""
