"""A server fault marks the channel degraded: one alert per outage, one on recovery,
and /healthz says "email": "degraded" with the last error. No patient is flagged."""

import pytest
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import Reminder
from survivorship.models import Heartbeat
from tests.followup.test_delivery_faults import DataRefusingHandler, flagged, use_sink
from tests.followup.test_reminder_delivery import due_reminders, statuses
from tests.support.reminders import SinkHandler, SmtpSink


@pytest.fixture
def fresh_heartbeat(db):
    return Heartbeat.objects.create(name="beat", last_run_at=timezone.now())


def admin_alerts(administrator, prefix: str) -> list[Reminder]:
    return list(
        Reminder.objects.filter(
            kind="nurse_alert",
            recipient_user=administrator,
            dedupe_key__startswith=f"alert:{prefix}:",
        )
    )


def test_an_outage_alerts_once_shows_on_healthz_and_recovery_alerts_once(
    client, db, nurse, administrator, settings, fresh_heartbeat
):
    healthy = client.get("/healthz").json()
    assert healthy["status"] == "ok" and "email" not in healthy["checks"]
    with SmtpSink() as sink:
        sink.handler.__class__ = DataRefusingHandler
        use_sink(settings, sink)
        first = due_reminders(nurse, 2)
        assert dispatch.send_batch(first) == {"retry": 2}
        # A second batch in the same outage: no second alert.
        second = due_reminders(nurse, 2, first=5)
        assert dispatch.send_batch(second) == {"retry": 2}
        assert sink.count() == 0
    assert flagged(first + second) == 0
    outage = admin_alerts(administrator, "outage:email")
    assert len(outage) == 1
    assert "not the patients' contact details" in outage[0].context["text"]
    for reminder in Reminder.objects.filter(pk__in=first + second).select_related("patient"):
        assert reminder.patient.full_name not in outage[0].context["text"]

    response = client.get("/healthz")
    assert response.status_code == 200  # reminders wait and retry: degraded, not down
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["email"] == "degraded"
    assert "500 at DATA" in body["email_last_error"]

    with SmtpSink() as sink:
        sink.handler.__class__ = SinkHandler
        use_sink(settings, sink)
        Reminder.objects.filter(pk__in=first).update(send_at=timezone.now())
        assert dispatch.send_batch(first) == {"sent": 2}
        assert sink.count() == 2
    assert statuses(first) == {"sent": 2}
    assert len(admin_alerts(administrator, "recovered:email")) == 1
    assert len(admin_alerts(administrator, "outage:email")) == 1
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["checks"]["email"] == "ok"
    assert "email_last_error" not in body


def test_a_refused_address_is_not_an_outage(db, nurse, administrator, settings):
    with SmtpSink(refuse=("patient0@example.org",)) as sink:
        use_sink(settings, sink)
        ids = due_reminders(nurse, 1)
        assert dispatch.send_batch(ids) == {"failed": 1}
    assert admin_alerts(administrator, "outage:email") == []
