import codecs
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from patients.choices import CancerType
from patients.importing import COLUMNS, import_patients
from patients.models import CancerDiagnosis, Patient
from survivorship.roles import Role
from tests.support.factories import make_staff

HEADER = ",".join(COLUMNS)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "patients-example.csv"


def row(**values) -> str:
    """A CSV line with the 16 columns in COLUMNS order; unnamed columns are blank."""
    defaults = {
        "given_name": "Alex",
        "family_name": "Morgan",
        "email": "alex@example.org",
    }
    merged = {**defaults, **values}
    return ",".join(merged.get(column, "") for column in COLUMNS)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


@pytest.fixture
def good_file(nurse):
    return csv_file(
        row(
            medical_record_number="MRN-100",
            given_name="Maria",
            family_name="Okafor",
            date_of_birth="1962-04-18",
            sex="female",
            primary_nurse=nurse.username,
            cancer_type="breast",
            diagnosed_on="2019-03-02",
            stage_group="IIA",
            histology="invasive ductal carcinoma",
            laterality="left",
        ),
        row(
            medical_record_number="MRN-101",
            given_name="Tom",
            family_name="Baker",
            email="",
            mobile_phone="+1 415 555 0123",
            cancer_type="Head & neck",
            diagnosed_on="2020-11-20",
        ),
        row(medical_record_number="MRN-102", given_name="Lin", family_name="Wu", email=""),
    )


def test_it_imports_patients_diagnoses_and_care_team_with_history(good_file, nurse):
    report = import_patients(good_file)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.diagnoses_created == 2 and report.written
    maria = Patient.objects.get(medical_record_number="MRN-100")
    assert maria.primary_nurse == nurse
    assert list(maria.care_team.all()) == [nurse]
    assert maria.preferred_channel == "email" and maria.time_zone == "UTC"
    diagnosis = maria.diagnoses.get()
    assert (diagnosis.cancer_type, diagnosis.stage_group, diagnosis.laterality) == (
        CancerType.BREAST,
        "IIA",
        "left",
    )
    tom = Patient.objects.get(medical_record_number="MRN-101")
    assert tom.mobile_phone == "+14155550123" and tom.preferred_channel == "sms"
    assert tom.diagnoses.get().cancer_type == CancerType.HEAD_NECK
    assert Patient.objects.get(medical_record_number="MRN-102").preferred_channel == "portal"

    assert Patient.history.filter(history_type="+").count() == 3
    assert CancerDiagnosis.history.filter(history_type="+").count() == 2
    created = maria.history.get(history_type="+")
    assert created.history_change_reason == "CSV import"
    assert [row.user_id for row in created.care_team.all()] == [nurse.pk]


def test_it_shows_the_first_rows_parsed_in_the_preview(good_file):
    report = import_patients(good_file, dry_run=True)

    assert report.columns == list(COLUMNS)
    assert [row["line"] for row in report.preview] == [2, 3, 4]
    assert report.preview[1]["mobile_phone"] == "+14155550123"
    assert report.preview[1]["cancer_type"] == "head_neck"


def test_it_writes_nothing_on_a_dry_run(good_file):
    report = import_patients(good_file, dry_run=True)

    assert report.ok and report.created == 3 and not report.written
    assert not Patient.objects.exists()


def test_it_creates_nothing_new_when_the_same_file_is_imported_again(good_file):
    import_patients(good_file)
    history_rows = Patient.history.count() + CancerDiagnosis.history.count()

    report = import_patients(good_file)

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert report.diagnoses_created == 0
    assert Patient.objects.count() == 3 and CancerDiagnosis.objects.count() == 2
    assert Patient.history.count() + CancerDiagnosis.history.count() == history_rows


def test_it_updates_a_patient_whose_row_changed(good_file, nurse, nurse2):
    import_patients(good_file)
    changed = good_file.replace(b"Okafor", b"Okafor-Reyes").replace(b"nina-nurse", b"omar-nurse")
    changed = changed.replace(b",IIA,", b",IIB,")

    report = import_patients(changed)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    maria = Patient.objects.get(medical_record_number="MRN-100")
    assert maria.family_name == "Okafor-Reyes" and maria.primary_nurse == nurse2
    assert {user.username for user in maria.care_team.all()} == {"nina-nurse", "omar-nurse"}
    assert maria.diagnoses.get().stage_group == "IIB"
    latest = maria.history.filter(history_type="~").latest("history_date")
    assert latest.family_name == "Okafor-Reyes"
    assert {row.user_id for row in latest.care_team.all()} == {nurse.pk, nurse2.pk}
    assert CancerDiagnosis.history.filter(history_type="~", stage_group="IIB").count() == 1


def test_it_adds_a_new_diagnosis_to_an_existing_patient_once(good_file):
    import_patients(good_file)
    second = csv_file(
        row(
            medical_record_number="MRN-102",
            given_name="Lin",
            family_name="Wu",
            email="",
            cancer_type="thyroid",
            diagnosed_on="2021-06-01",
        )
    )

    assert import_patients(second).updated == 1
    assert import_patients(second).unchanged == 1
    assert Patient.objects.get(medical_record_number="MRN-102").diagnoses.count() == 1


def test_it_reports_every_bad_row_with_its_line_and_writes_nothing(nurse):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = csv_file(
        row(medical_record_number="MRN-1"),  # line 2: fine on its own
        row(medical_record_number="MRN-2", date_of_birth="1970-13-01"),  # 3
        row(medical_record_number="MRN-3", cancer_type="pancreatic", diagnosed_on="2020-01-01"),
        row(medical_record_number="MRN-1"),  # 5: repeated record number
        "MRN-5,Short,Row,1970-01-01",  # 6: wrong column count
        row(medical_record_number="MRN-6", mobile_phone="0412 345"),  # 7
        row(
            medical_record_number="MRN-7",
            date_of_birth="1980-05-05",
            cancer_type="lung",
            diagnosed_on="1979-01-01",
        ),  # 8: diagnosis before birth
        row(medical_record_number="MRN-8", primary_nurse="nobody"),  # 9
        row(medical_record_number="MRN-9", date_of_birth=future),  # 10
    )
    before = (Patient.objects.count(), CancerDiagnosis.objects.count())

    report = import_patients(data)

    found = messages(report)
    assert "line 3: date_of_birth '1970-13-01' is not a date (use YYYY-MM-DD)" in found
    assert any(m.startswith("line 4: unknown cancer type 'pancreatic'") for m in found)
    assert "line 5: record number MRN-1 appears again (first on line 2)" in found
    assert "line 6: expected 16 columns, found 4" in found
    assert any(m.startswith("line 7: mobile_phone '0412 345': Enter the mobile") for m in found)
    assert (
        "line 8: diagnosed_on '1979-01-01': The diagnosis cannot be before the date of birth."
        in found
    )
    assert "line 9: primary_nurse 'nobody' is not the username of a nurse" in found
    assert f"line 10: date_of_birth '{future}': The date of birth cannot be in the future." in found
    assert [error.line for error in report.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert not report.written
    assert (Patient.objects.count(), CancerDiagnosis.objects.count()) == before


def test_it_checks_diagnosis_dates_against_an_existing_patients_birth(patient_user):
    Patient.objects.filter(medical_record_number="MRN-0001").update(date_of_birth="1980-01-01")
    data = csv_file(
        row(
            medical_record_number="MRN-0001",
            given_name="Paula",
            family_name="Quinn",
            date_of_birth="1980-01-01",
            cancer_type="lung",
            diagnosed_on="1975-01-01",
        )
    )

    assert messages(import_patients(data)) == [
        "line 2: diagnosed_on '1975-01-01': The diagnosis cannot be before the date of birth."
    ]


def test_it_requires_the_diagnosis_date_and_a_cancer_type_together(db):
    data = csv_file(
        row(medical_record_number="MRN-1", cancer_type="breast"),
        row(medical_record_number="MRN-2", diagnosed_on="2020-01-01", stage_group="I"),
        row(medical_record_number="MRN-3", given_name=""),
    )

    assert messages(import_patients(data)) == [
        "line 2: diagnosed_on is required when cancer_type is given",
        "line 3: cancer_type is required when diagnosed_on, stage_group is given",
        "line 4: given_name is required",
    ]


def test_it_gives_one_error_at_line_1_for_a_wrong_header(db):
    header = HEADER.replace("given_name", "first_name").replace(",laterality", "")

    report = import_patients(csv_file("MRN-1,Ann", header=header))

    assert len(report.errors) == 1
    message = messages(report)[0]
    assert message.startswith("line 1: the header row is not right: unknown column 'first_name'")
    assert "missing required column given_name" in message


def test_it_accepts_columns_in_any_order_and_only_the_required_ones(db):
    data = b"family_name,medical_record_number,given_name\nDiaz,MRN-9,Eva\n"

    report = import_patients(data)

    assert report.ok and report.created == 1
    eva = Patient.objects.get(medical_record_number="MRN-9")
    assert (eva.family_name, eva.sex, eva.preferred_channel) == ("Diaz", "unknown", "portal")


def test_it_reads_a_file_with_a_utf8_byte_order_mark(good_file):
    report = import_patients(codecs.BOM_UTF8 + good_file)

    assert report.ok and report.created == 3 and report.notices == []


def test_it_falls_back_to_latin1_with_a_notice(db):
    data = csv_file(row(medical_record_number="MRN-1", given_name="José")).decode()

    report = import_patients(data.encode("latin-1"))

    assert report.ok, report.errors
    assert report.notices[0].startswith("file is not UTF-8; read as Latin-1")
    assert Patient.objects.get().given_name == "José"


def test_it_refuses_a_binary_file(db):
    report = import_patients(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    assert messages(report) == ["wrong encoding: this does not look like a CSV text file"]


def test_it_refuses_a_file_over_the_size_limit(db, settings):
    settings.PATIENT_IMPORT_MAX_BYTES = 1024 * 1024
    data = csv_file(*[row(medical_record_number=f"MRN-{n}") for n in range(30_000)])

    report = import_patients(data)

    assert len(report.errors) == 1
    assert "too large" in messages(report)[0] and "the limit is 1 MB" in messages(report)[0]
    assert not Patient.objects.exists()


def test_it_reads_semicolon_separated_files(db):
    data = b"medical_record_number;given_name;family_name\nMRN-1;Ana;Sousa\n"

    assert import_patients(data).created == 1


def test_it_imports_the_documented_example_file(db):
    make_staff("demo-nurse", Role.NURSE)
    make_staff("demo-nurse2", Role.NURSE)

    report = import_patients(EXAMPLE.read_bytes())

    assert report.ok, report.errors
    assert report.created == 5


def test_the_command_imports_and_prints_the_counts(good_file, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_bytes(good_file)

    call_command("import_patients", str(path))
    call_command("import_patients", str(path))

    out = capsys.readouterr().out
    assert "3 created, 0 updated, 0 unchanged" in out
    assert "0 created, 0 updated, 3 unchanged" in out
    assert Patient.objects.count() == 3


def test_the_command_dry_run_writes_nothing(good_file, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_bytes(good_file)

    call_command("import_patients", str(path), "--dry-run")

    assert "would be 3 created" in capsys.readouterr().out
    assert not Patient.objects.exists()


def test_the_command_prints_line_numbers_and_fails_on_a_bad_file(db, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_file(
            row(medical_record_number="MRN-1"),
            row(medical_record_number="MRN-2", date_of_birth="01/02/1970"),
            row(medical_record_number="MRN-3", cancer_type="pancreatic", diagnosed_on="2020-01-01"),
        )
    )

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_patients", str(path))

    err = capsys.readouterr().err
    assert "line 3: date_of_birth '01/02/1970' is not a date" in err
    assert "line 4: unknown cancer type 'pancreatic'" in err
    assert not Patient.objects.exists()


def test_it_counts_lines_as_in_the_file_with_blank_lines_and_quoted_newlines(db):
    data = csv_file(
        row(medical_record_number="MRN-1", histology=""),
        "",
        'MRN-2,"Anna\nMaria",Berg,,,,,,,,,,,,,',
        ",,,,,,,,,,,,,,,",
        row(medical_record_number="MRN-3", date_of_birth="yesterday"),
    )

    assert messages(import_patients(data)) == [
        "line 7: date_of_birth 'yesterday' is not a date (use YYYY-MM-DD)"
    ]


def test_it_refuses_a_file_with_a_header_only(db):
    assert messages(import_patients(HEADER.encode())) == [
        "the file has a header but no rows to import"
    ]
