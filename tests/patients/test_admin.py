import re
from datetime import date

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patients.choices import DiseaseStatus, Modality, RecurrenceType
from patients.importing import COLUMNS
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from tests.support.queries import warm_count

IMPORT_URL = "/admin/patients/patient/import/"


@pytest.fixture
def admin_client(client, administrator):
    """The administrator persona with every permission on patient records."""
    administrator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="patients")
    )
    client.force_login(administrator)
    return client


@pytest.fixture(autouse=True)
def import_folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "imports"


@pytest.fixture
def records(nurse, patient_user):
    patient = Patient.objects.get(user=patient_user)
    patient.primary_nurse = nurse
    patient.email = "paula@example.org"
    patient.save()
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type="breast", diagnosed_on=date(2018, 5, 1), stage_group="IIA"
    )
    Treatment.objects.create(
        diagnosis=diagnosis, modality=Modality.SURGERY, started_on=date(2018, 6, 1)
    )
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis, event_date=date(2019, 1, 10), status=DiseaseStatus.NED
    )
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis,
        event_date=date(2022, 3, 1),
        status=DiseaseStatus.RECURRENCE,
        recurrence_type=RecurrenceType.LOCAL,
    )
    return patient


def good_csv(nurse) -> bytes:
    header = ",".join(COLUMNS)
    rows = [
        f"IMP-1,Greta,Lindqvist,1958-02-11,female,greta@example.org,,,,,{nurse.username},"
        "colorectal,2019-04-02,IIIA,adenocarcinoma,",
        "IMP-2,Samuel,Osei,1966-09-30,male,,+447700900123,,Europe/London,en,,,,,,",
    ]
    return "\n".join([header, *rows]).encode()


def upload(client, data: bytes, name="patients.csv"):

    return client.post(
        IMPORT_URL, {"step": "upload", "file": SimpleUploadedFile(name, data, "text/csv")}
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/patients/patient/",
        "/admin/patients/patient/?q=Quinn",
        "/admin/patients/patient/?q=MRN-0001",
        "/admin/patients/patient/?q=paula%40example.org",
        "/admin/patients/patient/?active__exact=1&sex__exact=unknown",
        "/admin/patients/patient/?diagnoses__cancer_type=breast",
        "/admin/patients/patient/?preferred_channel__exact=email",
        "/admin/patients/cancerdiagnosis/?cancer_type__exact=breast&q=Quinn",
        "/admin/patients/treatment/?modality__exact=surgery&q=MRN-0001",
        "/admin/patients/diseasestatusevent/?status__exact=recurrence&recurrence_type__exact=local",
    ],
)
def test_it_loads_admin_lists_with_search_and_filters(admin_client, records, url):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert "Paula" in response.content.decode() or "Quinn" in response.content.decode()


def test_it_filters_patients_by_primary_nurse(admin_client, records, nurse, patient2_user):
    response = admin_client.get(f"/admin/patients/patient/?primary_nurse__id__exact={nurse.pk}")

    page = response.content.decode()
    assert response.status_code == 200
    assert "MRN-0001" in page and "MRN-0002" not in page


def test_it_opens_change_pages_with_inlines_and_history(admin_client, records):
    diagnosis = records.diagnoses.get()
    for url in (
        reverse("admin:patients_patient_change", args=[records.pk]),
        reverse("admin:patients_patient_history", args=[records.pk]),
        reverse("admin:patients_cancerdiagnosis_change", args=[diagnosis.pk]),
        reverse("admin:patients_treatment_change", args=[diagnosis.treatments.get().pk]),
        reverse(
            "admin:patients_diseasestatusevent_change",
            args=[diagnosis.status_events.first().pk],
        ),
        reverse("admin:patients_patient_add"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_it_keeps_the_primary_nurse_on_the_care_team_when_saved_in_admin(
    admin_client, nurse2, records
):
    response = admin_client.get(reverse("admin:patients_patient_change", args=[records.pk]))
    assert response.status_code == 200
    data = {
        "medical_record_number": "MRN-0001",
        "given_name": "Paula",
        "family_name": "Quinn",
        "sex": "unknown",
        "email": "paula@example.org",
        "preferred_channel": "email",
        "time_zone": "UTC",
        "preferred_language": "en",
        "primary_nurse": nurse2.pk,
        "active": "on",
        "diagnoses-TOTAL_FORMS": "0",
        "diagnoses-INITIAL_FORMS": "0",
    }

    response = admin_client.post(reverse("admin:patients_patient_change", args=[records.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert nurse2 in records.care_team.all()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/patients/patient/",
        "/admin/patients/cancerdiagnosis/",
        "/admin/patients/treatment/",
        "/admin/patients/diseasestatusevent/",
    ],
)
def test_it_lists_records_in_a_constant_number_of_queries(admin_client, records, url):
    def queries():
        return warm_count(admin_client, url)

    few = queries()
    for number in range(5):
        patient = Patient.objects.create(
            medical_record_number=f"MRN-9{number}",
            given_name="Extra",
            family_name=f"Person{number}",
            primary_nurse=records.primary_nurse,
        )
        diagnosis = CancerDiagnosis.objects.create(
            patient=patient, cancer_type="lung", diagnosed_on=date(2020, 1, 1)
        )
        Treatment.objects.create(
            diagnosis=diagnosis, modality=Modality.RADIATION, started_on=date(2020, 2, 1)
        )
        DiseaseStatusEvent.objects.create(
            diagnosis=diagnosis, event_date=date(2021, 1, 1), status=DiseaseStatus.NED
        )

    assert queries() == few


def test_it_links_the_import_page_from_the_patient_list(admin_client):
    page = admin_client.get("/admin/patients/patient/").content.decode()

    assert reverse("admin:patients_patient_import") == IMPORT_URL
    assert f'href="{IMPORT_URL}"' in page and "Import from CSV" in page


def test_it_shows_the_upload_form_with_the_size_limit(admin_client):
    response = admin_client.get(IMPORT_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' in page and "up to 5 MB" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_it_previews_then_imports_on_confirmation(admin_client, nurse, import_folder):
    response = upload(admin_client, good_csv(nurse))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Greta" in page and "Osei" in page and "IMP-2" in page
    assert "Import 2 patients" in page
    assert not Patient.objects.exists()
    kept = list(import_folder.glob("*.csv"))
    assert len(kept) == 1
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert token not in str(kept[0].parent)  # only the file name carries the token

    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:patients_patient_changelist")
    greta = Patient.objects.get(medical_record_number="IMP-1")
    assert greta.care_team.get() == nurse and greta.diagnoses.count() == 1
    assert greta.history.get(history_type="+").history_user.username == "ada-admin"
    assert list(import_folder.glob("*.csv")) == []
    assert "patients_import_token" not in admin_client.session


def test_it_confirms_only_once(admin_client, nurse):
    page = upload(admin_client, good_csv(nurse)).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})

    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token}, follow=True)

    assert "That preview has expired" in response.content.decode()
    assert Patient.objects.count() == 2


def test_it_refuses_a_confirmation_with_another_token(admin_client, nurse, import_folder):
    upload(admin_client, good_csv(nurse))

    response = admin_client.post(
        IMPORT_URL, {"step": "confirm", "token": "../../etc/passwd"}, follow=True
    )

    assert "That preview has expired" in response.content.decode()
    assert not Patient.objects.exists()


def test_it_lists_the_errors_of_a_bad_file_and_offers_no_import(admin_client, import_folder):
    data = (
        good_csv_header()
        + "\nIMP-1,Ann,Lee,1970-13-01,,,,,,,,,,,,"
        + "\nIMP-2,Bo,Ng,,,,,,,,,pancreatic,2020-01-01,,,"
        + "\nIMP-3,Short"
    ).encode()

    response = upload(admin_client, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: fix these lines and upload again" in page
    assert "Line 2: date_of_birth &#x27;1970-13-01&#x27; is not a date" in page
    assert "Line 3: unknown cancer type &#x27;pancreatic&#x27;" in page
    assert "Line 4: expected 16 columns, found 2" in page
    assert 'value="confirm"' not in page and "Import 3 patients" not in page
    assert "Ann" in page  # the preview still shows the rows
    assert not import_folder.exists() or list(import_folder.glob("*.csv")) == []
    assert not Patient.objects.exists()


def test_it_refuses_an_oversized_upload(admin_client, settings):
    settings.PATIENT_IMPORT_MAX_BYTES = 100

    response = upload(admin_client, good_csv_header().encode() + b"\n" + b"x" * 200)

    assert "too large" in response.content.decode()
    assert 'value="confirm"' not in response.content.decode()


def test_it_sends_a_nurse_who_is_not_staff_to_the_admin_login(client, nurse):
    client.force_login(nurse)

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_forbids_the_import_to_staff_without_the_add_permission(client, db):
    # Staff who may look at records in admin but not add them (not an Administrator).
    clerk = User.objects.create_user("carl-clerk", password="x", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_patient"))
    client.force_login(clerk)

    assert client.get("/admin/patients/patient/").status_code == 200
    assert "Import from CSV" not in client.get("/admin/patients/patient/").content.decode()
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, b"medical_record_number,given_name,family_name\n").status_code == 403


def good_csv_header() -> str:
    return ",".join(COLUMNS)
