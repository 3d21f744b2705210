"""The administrators' dashboard: totals, drill-down, keyset pages, export, actions."""

import csv
import io
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit, OverdueSnapshot, Reminder
from followup.selectors import dashboard
from followup.services import plans as services
from patients.models import CancerDiagnosis, Patient
from survivorship.web.csv import safe_cell
from tests.support.factories import make_patient

TODAY = timezone.localdate()


def add_overdue(plan, days_overdue: int, label="Clinic visit", kind="visit", n=1):
    end = TODAY - timedelta(days=days_overdue)
    return FollowUpVisit.objects.bulk_create(
        FollowUpVisit(
            plan=plan,
            patient_id=plan.patient_id,
            kind=kind,
            label=label,
            due_date=end - timedelta(days=14),
            window_start=end - timedelta(days=28),
            window_end=end,
        )  # fmt: skip
        for _ in range(n)
    )


def make_plan(patient, cancer_type="breast"):
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type=cancer_type, diagnosed_on=TODAY - timedelta(days=30)
    )
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="general"),
        start_date=TODAY + timedelta(days=1),  # nothing generated is overdue
    )
    return plan


@pytest.fixture
def clinic(nurse, nurse2):
    """Two caseloads: nurse's breast patient and nurse2's lung patient."""
    ann = make_patient(nurse, "MRN-A", "Ann", "Able")
    ben = make_patient(nurse2, "MRN-B", "Ben", "Baker")
    ann_plan, ben_plan = make_plan(ann), make_plan(ben, "lung")
    add_overdue(ann_plan, 10)
    add_overdue(ann_plan, 45, "Mammogram", "imaging")
    add_overdue(ben_plan, 120, "CEA", "lab")
    add_overdue(ben_plan, 5)
    return {"ann": ann, "ben": ben, "ann_plan": ann_plan, "ben_plan": ben_plan}


def test_it_totals_and_breaks_down_overdue_items_for_administrators(client, administrator, clinic):
    client.force_login(administrator)
    response = client.get("/dashboard/")
    summary = response.context["summary"]
    assert summary["buckets"] == {"total": 4, "days_1_30": 2, "days_31_90": 1, "days_over_90": 1}
    assert {row["plan__diagnosis__cancer_type"]: row["n"] for row in summary["by_cancer"]} == {
        "breast": 2,
        "lung": 2,
    }
    assert {row["kind"]: row["n"] for row in summary["by_kind"]} == {
        "visit": 2, "imaging": 1, "lab": 1,
    }  # fmt: skip
    page = response.content.decode()
    assert '?bucket=90%2B"' in page and "?cancer_type=lung" in page


def test_it_shows_a_nurse_only_her_own_caseloads_rows(client, nurse, clinic):
    client.force_login(nurse)
    assert client.get("/dashboard/").context["summary"]["buckets"]["total"] == 2
    rows = client.get("/dashboard/overdue/").context["page"].rows
    assert {row.patient.family_name for row in rows} == {"Able"}


def test_it_drills_down_from_over_90_days_to_the_list(client, administrator, clinic):
    client.force_login(administrator)
    rows = client.get("/dashboard/overdue/?bucket=90%2B").context["page"].rows
    assert [(row.label, row.patient.family_name) for row in rows] == [("CEA", "Baker")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=imaging", {"Mammogram"}),
        ("cancer_type=lung", {"CEA", "Clinic visit"}),
        ("bucket=1-30", {"Clinic visit"}),
        ("bucket=31-90", {"Mammogram"}),
    ],
)
def test_it_filters_the_list(client, administrator, clinic, query, expected):
    client.force_login(administrator)
    rows = client.get(f"/dashboard/overdue/?{query}").context["page"].rows
    assert {row.label for row in rows} == expected


def test_it_filters_by_nurse_and_by_failed_reminder(client, administrator, nurse2, clinic):
    visit = clinic["ben_plan"].visits.get(label="CEA")
    Reminder.objects.create(
        kind="overdue", channel="email", patient=visit.patient, visit=visit,
        dedupe_key="t", send_at=timezone.now(), status="failed", last_error="refused",
    )  # fmt: skip
    client.force_login(administrator)
    by_nurse = client.get(f"/dashboard/overdue/?nurse={nurse2.pk}").context["page"].rows
    assert {row.patient.family_name for row in by_nurse} == {"Baker"}
    failed = client.get("/dashboard/overdue/?reminder_failed=1").context["page"].rows
    assert [(row.label, row.last_reminder_status) for row in failed] == [("CEA", "failed")]


def test_it_falls_back_to_defaults_on_unknown_filters_and_sorts_with_a_message(
    client, administrator, clinic
):
    client.force_login(administrator)
    response = client.get("/dashboard/overdue/?sort=window_end;DROP&kind=spaceship&nurse=abc")
    assert response.status_code == 200
    assert response.context["filters"].sort == "most_overdue"
    assert len(response.context["page"].rows) == 4
    assert "were not recognised and were reset: kind, nurse, sort" in response.content.decode()


def test_it_pages_with_a_keyset_cursor_without_gaps_or_repeats(client, administrator, clinic):
    plan = clinic["ann_plan"]
    for days in range(1, 121):
        add_overdue(plan, days)
    client.force_login(administrator)
    seen, url, pages = [], "/dashboard/overdue/?sort=most_overdue", 0
    while url:
        response = client.get(url)
        page = response.context["page"]
        pages += 1
        assert page.number == pages
        seen += [row.pk for row in page.rows]
        url = f"/dashboard/overdue/?{response.context['next_query']}" if page.next_cursor else ""
    assert pages == 3 and len(seen) == len(set(seen)) == 124
    ends = list(FollowUpVisit.objects.filter(pk__in=seen).values_list("pk", "window_end"))
    order = {pk: i for i, pk in enumerate(seen)}
    assert sorted(ends, key=lambda r: order[r[0]]) == sorted(ends, key=lambda r: (r[1], r[0]))


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0YW1wZXJlZCI6MX0:abc:def", ""])
def test_it_returns_to_page_one_on_a_malformed_cursor(client, administrator, clinic, cursor):
    client.force_login(administrator)
    response = client.get(f"/dashboard/overdue/?cursor={cursor}")
    assert response.status_code == 200
    assert response.context["page"].number == 1 and len(response.context["page"].rows) == 4


@pytest.mark.parametrize("extra", [0, 150])
def test_it_lists_a_page_in_a_constant_number_of_queries(
    client, administrator, clinic, extra, django_assert_num_queries
):
    add_overdue(clinic["ann_plan"], 20, n=extra)
    client.force_login(administrator)
    # session, the user with their roles, two-factor device check (2: not verified),
    # nurses for the filter, permissions (1, first read), page, and one access-log
    # insert for every patient shown
    with django_assert_num_queries(8):
        assert client.get("/dashboard/overdue/").status_code == 200


def test_it_exports_the_filtered_list_as_csv_with_formulas_neutralised(
    client, administrator, clinic
):
    Patient.objects.filter(pk=clinic["ben"].pk).update(
        given_name="=HYPERLINK(1)", family_name="@SUM"
    )
    client.force_login(administrator)
    response = client.get("/dashboard/overdue.csv?cancer_type=lung")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "record_number" and len(rows) == 3
    for row in rows[1:]:
        assert row[1] == "'=HYPERLINK(1) @SUM"
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_it_neutralises_every_dangerous_first_character():

    for text in ("=1+1", "+1", "-1", "@A1", "\tcmd", "\rcmd"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Ann") == "Ann" and safe_cell(None) == ""


def test_it_marks_an_item_contacted_with_a_note(client, nurse, clinic):
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    client.post(f"/dashboard/items/{visit.pk}/contacted/", {"note": "Left a voicemail"})
    visit.refresh_from_db()
    assert visit.contact_note == "Left a voicemail" and visit.contacted_by == nurse
    assert "Contacted" in client.get("/dashboard/overdue/").content.decode()


def test_it_sends_a_reminder_now_through_the_outbox_once_a_day(client, nurse, clinic):
    Patient.objects.filter(pk=clinic["ann"].pk).update(
        reminder_consent_at=timezone.now(), time_zone=_zone_where_it_is(12)
    )
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    client.post(f"/dashboard/items/{visit.pk}/remind/")
    client.post(f"/dashboard/items/{visit.pk}/remind/")
    reminder = Reminder.objects.get(visit=visit)
    assert reminder.kind == "overdue" and reminder.send_at <= timezone.now()


def test_send_reminder_now_says_it_cannot_send_without_consent_on_file(client, nurse, clinic):
    Patient.objects.filter(pk=clinic["ann"].pk).update(reminder_consent_at=None)
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    response = client.post(f"/dashboard/items/{visit.pk}/remind/", follow=True)
    text = response.content.decode()
    assert "on its way" not in text and "queued" not in text
    assert "Cannot send: no consent to reminders is on file for Ann Able" in text
    assert not Reminder.objects.filter(visit=visit).exists()


def _zone_where_it_is(hour: int) -> str:
    """A fixed-offset zone in which the clock now shows ``hour`` (Etc/ signs are inverted)."""
    offset = (hour - timezone.now().astimezone(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}"


def test_send_reminder_now_says_it_is_queued_when_consent_is_on_file(client, nurse, clinic):
    Patient.objects.filter(pk=clinic["ann"].pk).update(
        reminder_consent_at=timezone.now(), time_zone=_zone_where_it_is(12)
    )
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    response = client.post(f"/dashboard/items/{visit.pk}/remind/", follow=True)
    assert "to Ann Able is queued to go out now" in response.content.decode()
    assert Reminder.objects.filter(visit=visit).count() == 1


def test_send_reminder_now_during_quiet_hours_says_when_it_will_go(client, nurse, clinic):
    zone = _zone_where_it_is(3)  # 03:xx for Ann: before her 08:00 start
    Patient.objects.filter(pk=clinic["ann"].pk).update(
        reminder_consent_at=timezone.now(), time_zone=zone
    )
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    text = client.post(f"/dashboard/items/{visit.pk}/remind/", follow=True).content.decode()
    assert f"to Ann Able is queued for 08:00 their time ({zone})" in text
    assert "go out now" not in text
    reminder = Reminder.objects.get(visit=visit)
    assert reminder.send_at > timezone.now() and reminder.status == "pending"


def test_send_reminder_now_refuses_what_the_worker_would_skip(client, nurse, clinic):
    Patient.objects.filter(pk=clinic["ann"].pk).update(
        reminder_consent_at=timezone.now(), preferred_channel="portal"
    )
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    client.force_login(nurse)
    text = client.post(f"/dashboard/items/{visit.pk}/remind/", follow=True).content.decode()
    assert "Cannot send a reminder to Ann Able: they chose the portal only" in text
    assert not Reminder.objects.filter(visit=visit).exists()


def test_it_lets_administrators_reassign_a_patient_to_another_nurse(
    client, administrator, nurse, nurse2, clinic
):
    client.force_login(administrator)
    client.post(f"/dashboard/patients/{clinic['ann'].pk}/reassign/", {"nurse": nurse2.pk})
    ann = Patient.objects.get(pk=clinic["ann"].pk)
    assert ann.primary_nurse == nurse2 and nurse2 in ann.care_team.all()
    client.force_login(nurse)
    response = client.post(f"/dashboard/patients/{clinic['ben'].pk}/reassign/", {"nurse": nurse.pk})
    assert response.status_code == 403


def test_it_gives_404_for_rows_outside_the_nurses_scope(client, nurse, clinic):
    visit = clinic["ben_plan"].visits.get(label="CEA")
    client.force_login(nurse)
    assert client.post(f"/dashboard/items/{visit.pk}/remind/").status_code == 404
    assert client.post(f"/dashboard/items/{visit.pk}/contacted/", {"note": "x"}).status_code == 404
    assert not Reminder.objects.exists()


def test_it_measures_adherence_check_ins_urgent_acknowledgement_and_delivery(
    client, administrator, clinic
):
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    services.visit_complete(visit=visit, completed_on=visit.window_end, outcome="ned")
    client.force_login(administrator)
    context = client.get("/dashboard/quality/").context
    breast = next(
        r for r in context["adherence"]["by_type"] if r["plan__diagnosis__cancer_type"] == "breast"
    )
    assert (breast["total"], breast["on_time"], breast["share"]) == (2, 1, 50.0)
    assert context["checkins"]["rate"] is None
    assert context["urgent"]["count"] == 0


def test_it_records_a_nightly_snapshot_and_shows_the_trend(client, administrator, clinic):
    snapshot = dashboard.snapshot_take()
    dashboard.snapshot_take()  # idempotent per day
    assert OverdueSnapshot.objects.count() == 1 and snapshot.total == 4
    client.force_login(administrator)
    page = client.get("/dashboard/").content.decode()
    assert 'id="snapshot-data"' in page and "Trend over the last 12 weeks" in page


def test_the_overdue_list_marks_missed_items_as_missed(client, nurse, clinic):
    missed = clinic["ann_plan"].visits.get(label="Mammogram")
    services.visit_mark_missed(visit=missed, note="Did not attend")
    client.force_login(nurse)
    response = client.get("/dashboard/overdue/")
    page = response.content.decode()
    assert page.count('data-testid="missed-badge"') == 1
    assert "the patient did not come" in page
    row = page.split("Mammogram", 1)[1].split("</td>", 1)[0]
    assert "Missed" in row


def test_the_csv_export_has_readable_times_and_nurse_names(client, nurse, clinic):
    visit = clinic["ann_plan"].visits.get(label="Mammogram")
    services.visit_mark_contacted(visit=visit, by=nurse, note="Left a voicemail")
    visit.refresh_from_db()
    client.force_login(nurse)
    response = client.get("/dashboard/overdue.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, row = rows[0], next(r for r in rows[1:] if r[2] == "Mammogram")
    contacted = row[header.index("contacted_at")]
    assert contacted == timezone.localtime(visit.contacted_at).strftime("%Y-%m-%d %H:%M")
    name = nurse.get_full_name() or nurse.username
    assert row[header.index("primary_nurse")] == name
    assert nurse.get_full_name() and nurse.username not in row
