"""Issue 19: the patient hears it from a person, not from the portal.

A return of disease shows nowhere the patient or their messages reach until a nurse marks
it discussed; then the portal offers a page on living with a recurrence, and its home
page says so gently.
"""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from followup.delivery import messages
from followup.models import CarePlanTemplate, Reminder
from followup.models.reminders import PATIENT_KINDS
from followup.services.plans import careplan_create, visit_schedule
from patients.models import DiseaseStatusEvent
from patients.services import RETURN, status_event_discussed_mark, status_event_record
from tests.support.queries import permission_queries, warm_count

PAGE = "/portal/living-with-recurrence/"
# What would give the news away: the event's words, its site and its note.
NEWS = ("recurrence", "progression", "come back", "comes back", "spine", "metasta", "distant")


@pytest.fixture
def helen_user(helen, django_user_model):
    user = django_user_model.objects.create_user("helen-portal", password="x")
    helen.user = user
    helen.save()
    return user


@pytest.fixture
def plan(helen, diagnosis, nurse):
    return careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


def record_recurrence(diagnosis, nurse):
    return status_event_record(
        event=DiseaseStatusEvent(
            diagnosis=diagnosis,
            event_date=date(2025, 10, 1),
            recurrence_type="distant",
            site="spine",
            note="Bone scan shows metastases in the spine.",
        ),
        reported_status=RETURN,
        by=nurse,
    )


def normalised(html: str) -> str:
    """The page without what changes on every request (CSRF tokens)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def mentions_news(text: str) -> list[str]:
    return [word for word in NEWS if word in text.lower()]


def test_the_portal_home_is_unchanged_until_it_was_discussed(
    client, helen_user, diagnosis, nurse, plan
):
    client.force_login(helen_user)
    before = normalised(client.get("/portal/").content.decode())
    assert "This is your survivorship portal: your care plan" in before

    event = record_recurrence(diagnosis, nurse)
    after = normalised(client.get("/portal/").content.decode())
    assert after == before
    assert PAGE not in after
    assert client.get(PAGE).status_code == 404

    status_event_discussed_mark(event=event, by=nurse)
    home = client.get("/portal/").content.decode()
    assert "This is your survivorship portal: your care plan" not in home
    assert "We know this is a hard time" in home
    assert 'data-testid="living-with-recurrence-card"' in home
    assert f'href="{PAGE}"' in home


def test_an_undiscussed_return_is_hidden_from_every_patient_page(
    client, helen_user, diagnosis, nurse, plan
):
    record_recurrence(diagnosis, nurse)
    client.force_login(helen_user)
    for url in ("/portal/", "/portal/plan/", "/portal/calendar.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode().lower()
        assert "spine" not in text, url
        assert "metasta" not in text, url
        assert "progression" not in text, url
        assert PAGE not in text, url


def test_no_message_mentions_an_undiscussed_return(helen_user, helen, diagnosis, nurse, plan):
    visit = plan.visits.filter(kind="imaging").first() or plan.visits.first()
    visit_schedule(visit=visit, at=timezone.now() + timedelta(days=10), location="Clinic B")
    before = set(Reminder.objects.filter(patient=helen).values_list("pk", flat=True))

    record_recurrence(diagnosis, nurse)

    # Recording the news queues nothing for the patient ...
    assert set(Reminder.objects.filter(patient=helen).values_list("pk", flat=True)) == before
    # ... and nothing already queued or sent later says it.
    rendered = [messages.render(r, "email") for r in Reminder.objects.filter(patient=helen)]
    for kind in PATIENT_KINDS:
        reminder = Reminder(
            kind=kind,
            patient=helen,
            visit=visit,
            send_at=timezone.now(),
            context={"days_before": 1, "overdue": 2},
        )
        rendered += [messages.render(reminder, channel) for channel in ("email", "sms")]
    assert rendered
    for message in rendered:
        text = " ".join([message.subject, message.text, message.html])
        assert "/portal/" in text
        assert not mentions_news(text), mentions_news(text)


def test_the_page_is_not_found_without_a_return_of_disease(client, helen_user):
    client.force_login(helen_user)
    assert client.get(PAGE).status_code == 404


def test_the_page_covers_the_five_topics_in_plain_words(client, helen_user, diagnosis, nurse):
    status_event_discussed_mark(event=record_recurrence(diagnosis, nurse), by=nurse)
    client.force_login(helen_user)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    # The feelings are normal and the team can help.
    assert "What you feel is normal" in page
    assert f"{settings.CLINIC_NAME} can help" in page
    # Support options.
    support = page.split('data-testid="support-options"')[1].split("</ul>")[0]
    for option in (
        "family and friends",
        "support group",
        "faith community",
        "counsellor",
        "other survivors",
    ):
        assert option in support, option
    # The questions about treatment goals.
    goals = page.split('data-testid="treatment-goals"')[1].split("</ul>")[0]
    for goal in ("to control the cancer", "to cure the cancer", "more comfortable"):
        assert goal in goals, goal
    # Time to decide, and a second opinion is fine.
    assert "There is usually time to decide" in page
    assert "second opinion" in page
    # Clinical trials, and checking insurance coverage.
    assert "clinical trial" in page.lower()
    assert "insurance covers" in page
    # A close that sends them to people.
    assert "Talk to your care team" in page
    assert "spine" not in page  # a page for living with it, not a report of the scan


def test_a_discussed_progression_opens_the_page_too(client, helen_user, diagnosis, nurse):
    event = status_event_record(
        event=DiseaseStatusEvent(diagnosis=diagnosis, event_date=date(2023, 3, 1)),
        reported_status=RETURN,
    )
    assert event.status == "progression"
    client.force_login(helen_user)
    assert client.get(PAGE).status_code == 404
    status_event_discussed_mark(event=event, by=nurse)
    assert client.get(PAGE).status_code == 200


def test_only_the_patient_may_open_it(client, helen_user, diagnosis, nurse, patient_user):
    status_event_discussed_mark(event=record_recurrence(diagnosis, nurse), by=nurse)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(nurse)
    assert client.get(PAGE).status_code == 403
    client.force_login(patient_user)  # another patient: her own record has no such event
    assert client.get(PAGE).status_code == 404
    client.force_login(helen_user)
    assert client.post(PAGE).status_code == 405


def test_the_page_reads_a_fixed_number_of_queries(client, helen_user, diagnosis, nurse, helen):
    status_event_discussed_mark(event=record_recurrence(diagnosis, nurse), by=nurse)
    client.force_login(helen_user)
    first = warm_count(client, PAGE)
    # More history does not mean more queries.
    for months in (3, 2):
        DiseaseStatusEvent.objects.create(
            diagnosis=diagnosis,
            event_date=timezone.localdate() - timedelta(days=30 * months),
            status="recurrence",
            recurrence_type="local",
            discussed_at=timezone.now(),
        )
    assert warm_count(client, PAGE) == first == 7 + permission_queries()
