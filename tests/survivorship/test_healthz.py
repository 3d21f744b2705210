from datetime import timedelta

import pytest
from django.utils import timezone

from survivorship.celery import app as celery_app
from survivorship.models import Heartbeat


@pytest.fixture
def fresh_heartbeat(db):
    return Heartbeat.objects.create(name="beat", last_run_at=timezone.now())


def test_it_answers_200_when_database_broker_and_beat_are_well(client, fresh_heartbeat):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "beat": "ok"},
    }


def test_it_answers_503_naming_the_beat_when_no_heartbeat_ran(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert "no heartbeat" in body["checks"]["beat"]


def test_it_answers_503_when_the_heartbeat_is_stale(client, fresh_heartbeat, settings):
    fresh_heartbeat.last_run_at = timezone.now() - settings.HEARTBEAT_MAX_AGE - timedelta(1)
    fresh_heartbeat.save()
    assert client.get("/healthz").json()["checks"]["beat"].startswith("last heartbeat")


def test_it_answers_503_naming_the_broker_when_it_does_not_answer(
    client, fresh_heartbeat, monkeypatch
):
    # A port nothing listens on: the real client, a real refused connection.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setitem(celery_app.conf, "broker_write_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unavailable")
    assert response.json()["checks"]["database"] == "ok"


def test_it_is_not_cached(client, fresh_heartbeat):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
