"""'Needs a person': uncertain and stuck messages, settled by the patient's nurses or an
administrator (resend, or mark as delivered), each with a note, audited, on the timeline."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import Reminder, ReminderStatus
from survivorship.models import AccessLog
from tests.followup.test_reminder_delivery import due_reminders
from tests.support.queries import permission_queries, warm_count

PAGE = "/dashboard/needs-a-person/"


def make_uncertain(ids, *, status=ReminderStatus.UNCERTAIN, ago=timedelta(minutes=1)):
    Reminder.objects.filter(pk__in=ids).update(
        status=status,
        claimed_at=timezone.now() - ago,
        attempts=1,
        last_error="email: no answer within 20 s; the message may have arrived",
    )


def settle(client, pk, action, note="Rang the patient: not received"):
    return client.post(f"{PAGE}{pk}/settle/", {"action": action, "note": note})


def test_it_lists_uncertain_and_stuck_messages_of_the_nurses_own_patients(
    client, db, nurse, nurse2
):
    mine = due_reminders(nurse, 2)
    theirs = due_reminders(nurse2, 1, first=10)
    make_uncertain(mine[:1])
    make_uncertain(mine[1:], status=ReminderStatus.SENDING, ago=timedelta(hours=1))
    make_uncertain(theirs)
    client.force_login(nurse)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('data-testid="needs-person-row"') == 2
    assert "Pat0 Reminder" in text and "Pat1 Reminder" in text
    assert "Pat10 Reminder" not in text
    assert "no answer came back" in text and "A worker stopped" in text
    # Another nurse's patient's message cannot be settled: 404, and the refusal is logged.
    assert settle(client, theirs[0], "resent").status_code == 404
    assert Reminder.objects.get(pk=theirs[0]).status == ReminderStatus.UNCERTAIN
    assert AccessLog.objects.filter(outcome="denied", object_id=str(theirs[0])).exists()


def test_a_recent_sending_row_is_not_listed_yet(client, db, nurse):
    ids = due_reminders(nurse, 1)
    make_uncertain(ids, status=ReminderStatus.SENDING, ago=timedelta(seconds=5))
    client.force_login(nurse)
    response = client.get(PAGE)
    assert 'data-testid="needs-person-empty"' in response.content.decode()


def test_an_administrator_sees_every_patient_and_the_empty_state(
    client, db, nurse, nurse2, administrator
):
    client.force_login(administrator)
    assert "Nothing needs a person" in client.get(PAGE).content.decode()
    make_uncertain(due_reminders(nurse, 1) + due_reminders(nurse2, 1, first=10))
    text = client.get(PAGE).content.decode()
    assert text.count('data-testid="needs-person-row"') == 2


def test_resend_needs_a_note_then_sends_once_and_shows_on_the_timeline(client, db, nurse, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    ids = due_reminders(nurse, 1)
    make_uncertain(ids)
    client.force_login(nurse)
    response = settle(client, ids[0], "resent", note="   ")
    assert response.status_code == 302
    assert Reminder.objects.get(pk=ids[0]).status == ReminderStatus.UNCERTAIN
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Add a short note: what you checked or decided."]

    assert settle(client, ids[0], "resent").status_code == 302
    row = Reminder.objects.get(pk=ids[0])
    assert row.status == ReminderStatus.PENDING
    assert (row.settlement, row.settled_by, row.settled_note) == (
        "resent",
        nurse,
        "Rang the patient: not received",
    )
    assert AccessLog.objects.filter(
        action="update", object_type="reminder", object_id=str(row.pk), username=nurse.username
    ).exists()
    # A second settle (a double click, a colleague) does nothing: the row is no longer
    # uncertain, so it is not in scope.
    assert settle(client, ids[0], "resent").status_code == 404
    mail.outbox.clear()
    assert dispatch.send_batch(ids) == {"sent": 1}
    assert len(mail.outbox) == 1
    assert 'data-testid="needs-person-empty"' in client.get(PAGE).content.decode()
    timeline = client.get(f"/nurse/patients/{row.patient_id}/").content.decode()
    assert "Resent by a person" in timeline and "Rang the patient: not received" in timeline


def test_mark_as_delivered_is_sent_and_never_resent(client, db, administrator, nurse):
    ids = due_reminders(nurse, 1)
    make_uncertain(ids)
    client.force_login(administrator)
    assert settle(client, ids[0], "delivered", note="Patient confirmed by phone").status_code == 302
    row = Reminder.objects.get(pk=ids[0])
    assert row.status == ReminderStatus.SENT and row.settlement == "delivered"
    assert dispatch.send_batch(ids) == {"not-claimed": 1}
    client.force_login(nurse)
    timeline = client.get(f"/nurse/patients/{row.patient_id}/").content.decode()
    assert "Marked as delivered by a person" in timeline
    assert "Patient confirmed by phone" in timeline


def test_an_unknown_action_is_refused(client, db, nurse):
    ids = due_reminders(nurse, 1)
    make_uncertain(ids)
    client.force_login(nurse)
    settle(client, ids[0], "delete")
    assert Reminder.objects.get(pk=ids[0]).status == ReminderStatus.UNCERTAIN


def test_the_stuck_email_links_to_the_page_with_a_count_and_no_names(db, nurse, administrator):
    ids = due_reminders(nurse, 2)
    make_uncertain(ids)
    assert dispatch.report_stuck() == 2
    alert = Reminder.objects.get(kind="nurse_alert", recipient_user=administrator)
    assert alert.context["url"].endswith(PAGE)
    assert "2 reminder(s)" in alert.context["text"]
    assert "Pat0" not in alert.context["text"] and "Pat0" not in alert.context["subject"]


def test_a_stuck_report_in_doubt_itself_does_not_breed_another(db, nurse, administrator):
    """Through a relay that answers too late, the report to administrators is uncertain
    too: it is not what the page lists, and reporting it would repeat every few minutes."""
    make_uncertain(due_reminders(nurse, 1))
    assert dispatch.report_stuck() == 1
    alert = Reminder.objects.get(kind="nurse_alert", recipient_user=administrator)
    Reminder.objects.filter(pk=alert.pk).update(status=ReminderStatus.UNCERTAIN)
    later = timezone.now() + timedelta(minutes=5)
    assert dispatch.report_stuck(now=later) == 0
    assert Reminder.objects.filter(kind="nurse_alert", recipient_user=administrator).count() == 1


@pytest.mark.parametrize("count", [2, 8])
def test_it_lists_in_a_constant_number_of_queries(
    client, db, nurse, count, django_assert_num_queries
):
    make_uncertain(due_reminders(nurse, count))
    client.force_login(nurse)
    # session, user with roles, two-factor devices (2), the rows (with their patients),
    # the access log entry
    assert warm_count(client, PAGE) == 6 + permission_queries()
