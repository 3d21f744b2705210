"""Upcoming visits as an .ics download and as a private, revocable subscription feed."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from icalendar import Calendar

from followup.models import CalendarFeed, CarePlanTemplate, PlanStatus, VisitStatus
from followup.services import plans as services
from patients.choices import CancerType
from patients.models import CancerDiagnosis
from survivorship.models import AccessLog
from tests.support.factories import make_patient

ICS = "text/calendar; charset=utf-8"
CANCER_WORDS = ("breast", "cancer", "colorectal", "mammogram", "tumour", "oncology")


def give_portal_account(patient, username):
    patient.user = User.objects.create_user(username=username, password="test-password-123")
    patient.save(update_fields=["user"])
    return patient.user


def open_plan(diagnosis, nurse, code):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code=code),
        start_date=timezone.localdate() - timedelta(days=60),
        owner=nurse,
    )


@pytest.fixture
def helen_plan(helen, diagnosis, nurse):
    """Helen's breast plan: one booked, one done, one cancelled, the rest still planned."""
    plan = open_plan(diagnosis, nurse, "breast")
    booked, done, cancelled = plan.visits.order_by("due_date")[:3]
    when = timezone.now().replace(microsecond=0) + timedelta(days=5)
    services.visit_schedule(visit=booked, at=when, location="Clinic B, room 4")
    services.visit_complete(visit=done, completed_on=timezone.localdate(), outcome="ned")
    services.visit_cancel(visit=cancelled)
    give_portal_account(helen, "helen")
    return plan


@pytest.fixture
def bella_plan(nurse2):
    patient = make_patient(nurse2, mrn="MRN-2002", given="Bella", family="Brown")
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type=CancerType.COLORECTAL, diagnosed_on=date(2023, 5, 2)
    )
    give_portal_account(patient, "bella")
    return open_plan(diagnosis, nurse2, "colorectal")


def expected_uids(plan):
    """Worked out independently of the selector: what should be in the calendar."""
    today, now = timezone.localdate(), timezone.now()
    uids = set()
    for visit in plan.visits.all():
        planned = visit.status == VisitStatus.PLANNED and visit.window_end >= today
        booked = visit.status == VisitStatus.SCHEDULED and visit.scheduled_at >= now
        if planned or booked:
            uids.add(f"visit-{visit.pk}@survivorship")
    return uids


def events(body: bytes):
    return Calendar.from_ical(body).walk("VEVENT")


def assert_valid_rfc5545(body: bytes):
    calendar = Calendar.from_ical(body)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)  # CRLF, folded
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert required in event
        assert event.decoded("DTSTAMP").tzinfo is not None


# The download


def test_it_downloads_one_event_per_upcoming_open_item(client, helen_plan):
    client.force_login(helen_plan.patient.user)
    response = client.get("/portal/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response["Content-Disposition"] == 'attachment; filename="follow-up-visits.ics"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert_valid_rfc5545(response.content)
    uids = [str(event["UID"]) for event in events(response.content)]
    assert len(uids) == len(set(uids)) == len(expected_uids(helen_plan)) > 10
    assert set(uids) == expected_uids(helen_plan)


def test_it_leaves_done_and_cancelled_items_out(client, helen_plan):
    client.force_login(helen_plan.patient.user)
    uids = {str(event["UID"]) for event in events(client.get("/portal/calendar.ics").content)}
    for visit in helen_plan.visits.filter(
        status__in=[VisitStatus.COMPLETED, VisitStatus.CANCELLED]
    ):
        assert f"visit-{visit.pk}@survivorship" not in uids


def test_it_never_names_the_diagnosis_in_the_calendar(client, helen_plan):
    client.force_login(helen_plan.patient.user)
    body = client.get("/portal/calendar.ics").content
    for word in CANCER_WORDS:
        assert word not in body.decode().lower()
    assert {str(event["SUMMARY"]) for event in events(body)} == {
        "Follow-up visit",
        "Follow-up visit due (not booked yet)",
        "Scan appointment due (not booked yet)",
    }
    assert {str(event["DESCRIPTION"]) for event in events(body)} == {
        "Details are in your Survivorship portal."
    }


def test_it_gives_booked_items_a_time_and_place_and_planned_ones_a_day(client, helen_plan):
    booked = helen_plan.visits.get(status=VisitStatus.SCHEDULED)
    client.force_login(helen_plan.patient.user)
    by_uid = {
        str(event["UID"]): event for event in events(client.get("/portal/calendar.ics").content)
    }
    event = by_uid.pop(f"visit-{booked.pk}@survivorship")
    start = event.decoded("DTSTART")
    assert isinstance(start, datetime) and start == booked.scheduled_at
    assert event.decoded("DTEND") - start == timedelta(hours=1)
    assert str(event["LOCATION"]) == "Clinic B, room 4"
    assert str(event["SUMMARY"]) == "Follow-up visit"
    for event in by_uid.values():
        start = event.decoded("DTSTART")
        assert isinstance(start, date) and not isinstance(start, datetime)
        assert event.decoded("DTEND") == start + timedelta(days=1)
        assert "LOCATION" not in event


def test_it_keeps_uids_stable_so_calendars_update_instead_of_duplicating(client, helen_plan):
    client.force_login(helen_plan.patient.user)
    first = [str(e["UID"]) for e in events(client.get("/portal/calendar.ics").content)]
    second = [str(e["UID"]) for e in events(client.get("/portal/calendar.ics").content)]
    assert first == second


def test_it_leaves_out_planned_items_of_a_paused_plan_but_keeps_booked_ones(client, helen_plan):
    helen_plan.status = PlanStatus.PAUSED
    helen_plan.save()
    client.force_login(helen_plan.patient.user)
    found = events(client.get("/portal/calendar.ics").content)
    booked = helen_plan.visits.get(status=VisitStatus.SCHEDULED)
    assert [str(e["UID"]) for e in found] == [f"visit-{booked.pk}@survivorship"]


# The subscription feed


def test_it_makes_a_private_link_only_when_the_patient_asks(client, helen_plan):
    client.force_login(helen_plan.patient.user)
    page = client.get("/portal/calendar/").content.decode()
    assert "Make my private link" in page and CalendarFeed.objects.count() == 0
    response = client.post("/portal/calendar/", {"action": "create"})
    assert response.status_code == 302 and response["Location"] == "/portal/calendar/"
    feed = CalendarFeed.objects.get(patient=helen_plan.patient)
    page = client.get("/portal/calendar/").content.decode()
    assert f"http://testserver/calendar/feed/{feed.token}.ics" in page
    assert f"webcal://testserver/calendar/feed/{feed.token}.ics" in page
    assert "Stop the old link and make a new one" in page
    client.post("/portal/calendar/", {"action": "create"})  # a second click changes nothing
    assert CalendarFeed.objects.get().token == feed.token


def test_it_serves_the_feed_without_login(client, helen_plan):
    feed = services.calendar_feed_for(patient=helen_plan.patient)
    response = client.get(f"/calendar/feed/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response["Cache-Control"] == "private, no-store"
    assert_valid_rfc5545(response.content)
    assert {str(e["UID"]) for e in events(response.content)} == expected_uids(helen_plan)
    assert "breast" not in response.content.decode().lower()


def test_it_stops_the_old_link_and_makes_a_new_one(client, helen_plan):
    old = services.calendar_feed_for(patient=helen_plan.patient).token
    client.force_login(helen_plan.patient.user)
    response = client.post("/portal/calendar/", {"action": "rotate"})
    assert response.status_code == 302
    new = CalendarFeed.objects.get(patient=helen_plan.patient).token
    assert new != old
    client.logout()
    assert client.get(f"/calendar/feed/{old}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new}.ics").status_code == 200


def test_it_answers_404_for_an_unknown_token(client, helen_plan):
    services.calendar_feed_for(patient=helen_plan.patient)
    assert client.get("/calendar/feed/not-a-real-token.ics").status_code == 404


def test_it_stops_the_feed_when_the_portal_account_is_disabled(client, helen_plan):
    feed = services.calendar_feed_for(patient=helen_plan.patient)
    User.objects.filter(pk=helen_plan.patient.user_id).update(is_active=False)
    assert client.get(f"/calendar/feed/{feed.token}.ics").status_code == 404


def test_it_never_shows_one_patients_events_on_anothers_feed(client, helen_plan, bella_plan):
    helen_feed = services.calendar_feed_for(patient=helen_plan.patient)
    bella_feed = services.calendar_feed_for(patient=bella_plan.patient)
    helen_uids = expected_uids(helen_plan)
    bella_uids = expected_uids(bella_plan)
    assert helen_uids and bella_uids and not helen_uids & bella_uids
    found = client.get(f"/calendar/feed/{bella_feed.token}.ics").content
    assert {str(e["UID"]) for e in events(found)} == bella_uids
    assert "Clinic B, room 4" not in found.decode()
    found = client.get(f"/calendar/feed/{helen_feed.token}.ics").content
    assert {str(e["UID"]) for e in events(found)} == helen_uids


def test_it_only_lets_a_patient_rotate_their_own_link(client, helen_plan, bella_plan):
    helen_token = services.calendar_feed_for(patient=helen_plan.patient).token
    client.force_login(bella_plan.patient.user)
    client.post("/portal/calendar/", {"action": "rotate"})
    assert CalendarFeed.objects.get(patient=helen_plan.patient).token == helen_token
    page = client.get("/portal/calendar/").content.decode()
    assert helen_token not in page


@pytest.mark.parametrize(("persona", "expected"), [("nurse", 403), ("anonymous", 302)])
def test_it_refuses_calendar_changes_from_anyone_but_patients(
    client, personas, helen_plan, persona, expected
):
    token = services.calendar_feed_for(patient=helen_plan.patient).token
    if personas[persona] is not None:
        client.force_login(personas[persona])
    assert client.post("/portal/calendar/", {"action": "rotate"}).status_code == expected
    assert CalendarFeed.objects.get().token == token


def test_it_keeps_the_feed_token_out_of_the_access_log_and_its_export(
    client, helen_plan, administrator
):
    """Issue 14, finding 7: the feed secret was stored in the access log."""

    feed = services.calendar_feed_for(patient=helen_plan.patient)
    assert client.get(f"/calendar/feed/{feed.token}.ics").status_code == 200
    paths = list(AccessLog.objects.values_list("path", flat=True))
    assert "/calendar/feed/[redacted].ics" in paths
    assert not any(feed.token in p for p in paths)
    client.force_login(administrator)
    exported = client.get("/dashboard/audit.csv")
    assert exported.status_code == 200
    assert feed.token.encode() not in b"".join(exported.streaming_content)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_the_portal_shows_the_same_time_as_the_ics_on_the_patients_own_clock(
    client, helen_plan, zone, settings
):
    """A New York patient's calendar turns DTSTART into New York time: the page must too."""

    settings.CLINIC_TIME_ZONE = "UTC"
    patient = helen_plan.patient
    patient.time_zone = zone
    patient.save(update_fields=["time_zone"])
    booked = helen_plan.visits.get(status=VisitStatus.SCHEDULED)
    client.force_login(patient.user)
    event = next(
        e
        for e in events(client.get("/portal/calendar.ics").content)
        if str(e["UID"]) == f"visit-{booked.pk}@survivorship"
    )
    on_their_calendar = event.decoded("DTSTART").astimezone(ZoneInfo(zone))
    label = zone.rsplit("/", 1)[-1].replace("_", " ")
    home = client.get("/portal/").content.decode()
    assert f"at {on_their_calendar:%H:%M} ({label} time)" in home
    assert f"{on_their_calendar:%A} {on_their_calendar.day} {on_their_calendar:%B %Y}" in home
    plan = client.get("/portal/plan/").content.decode()
    assert f"{on_their_calendar.day} {on_their_calendar:%b %Y, %H:%M} ({label} time)" in plan
