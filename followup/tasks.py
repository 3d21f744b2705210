"""Celery tasks: thin. Each fetches by id or by time, guards, and calls a service."""

import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from followup.delivery import dispatch
from followup.selectors import dashboard
from followup.services import plans as services
from followup.services import reminders
from followup.services import reports as reporting


@shared_task(ignore_result=True)
def extend_care_plans():
    """Keep a rolling year of yearly items on plans past year 5 (idempotent)."""
    services.careplan_extend_all()


@shared_task(ignore_result=True)
def dispatch_reminders():
    """Every minute: hand due outbox rows to workers. Safe to run twice at once."""
    return dispatch.dispatch_due()


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=5)
def send_reminder_batch(self, ids: list[int]):
    try:
        return dict(dispatch.send_batch([int(pk) for pk in ids]))
    except (OperationalError, InterfaceError) as exc:
        # The claim itself met a dropped database connection (send_batch rides out one
        # on a single row): try the batch again in a moment instead of leaving its rows
        # to the re-enqueue delay. Safe: every row is claimed before it is sent.
        connection.close()
        raise self.retry(exc=exc, countdown=2) from exc


@shared_task(ignore_result=True)
def bench_noop(counter_key: str):
    """bench_reminders' baseline: one task that only counts itself (in Redis)."""
    redis.Redis.from_url(settings.REDIS_URL).incr(counter_key)


@shared_task(ignore_result=True)
def report_stuck_reminders():
    return dispatch.report_stuck()


@shared_task(ignore_result=True)
def open_checkins():
    return reminders.checkins_open_due()


@shared_task(ignore_result=True)
def send_nurse_digests():
    return reminders.nurse_digests_send()


@shared_task(ignore_result=True)
def escalate_urgent_reports():

    # Urgent reports nobody acknowledged, and review reports past their deadline.
    return reporting.urgent_reports_escalate() + reporting.reviews_escalate_missed()


@shared_task(ignore_result=True)
def remind_unanswered_checkins():

    return reporting.checkins_remind_unanswered()


@shared_task(ignore_result=True)
def take_overdue_snapshot():

    return dashboard.snapshot_take().total
