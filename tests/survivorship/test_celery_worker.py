import pytest
from django.conf import settings

from survivorship import tasks
from survivorship.models import Heartbeat
from tests.support.celery_worker import wait_for


@pytest.mark.celery_worker
def test_it_runs_a_task_in_a_real_worker_and_the_effect_lands_in_the_database(
    celery_worker_process,
):
    assert not Heartbeat.objects.exists()
    tasks.heartbeat.delay()
    beat = wait_for(lambda: Heartbeat.objects.filter(name="beat").first(), timeout=30)
    assert beat.last_run_at is not None
    assert "survivorship.tasks.heartbeat" in celery_worker_process.output()


def test_it_schedules_the_heartbeat_with_beat_in_utc():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "survivorship.tasks.heartbeat"
    assert entry["schedule"].total_seconds() <= 60
