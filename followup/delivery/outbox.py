"""The outbox: the one way a message is put in line, and handed to a worker.

Every message is a ``Reminder`` row with a unique ``dedupe_key``; :func:`message_put` is
the single ``get_or_create`` on it, so the same message is never queued twice whoever
asks. Rows due now are handed to a worker after the transaction commits; the rest wait
for the beat's dispatch run.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from followup.models import Channel, NurseAlertPreference, Reminder, ReminderKind
from survivorship.celery import app as celery_app

logger = logging.getLogger(__name__)


def message_put(*, dedupe_key: str, **fields) -> tuple[Reminder, bool]:
    """Queue one message once per ``dedupe_key``; hand it to a worker if it is due now."""
    reminder, created = Reminder.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    send_at = fields.get("send_at")
    if created and send_at is not None and send_at <= timezone.now():
        enqueue_soon([reminder.pk])
    return reminder, created


def enqueue(ids: list[int]) -> int:
    """Hand due rows to workers in batches. Safe to repeat: sending claims each row."""
    # By name from Celery's registry: followup.tasks imports this module, so the task
    # cannot be imported here. It is the same task object, so .delay() behaves the same.
    send_reminder_batch = celery_app.tasks["followup.tasks.send_reminder_batch"]
    size = settings.REMINDER_BATCH_SIZE
    batches = 0
    for start in range(0, len(ids), size):
        send_reminder_batch.delay(ids[start : start + size])
        batches += 1
    return batches


# A key kept in the broker beside the queued batches: when it is gone, so are they.
BROKER_MARK = "survivorship:outbox:broker-mark"


def broker_lost_queue() -> bool:
    """Whether the broker forgot its queue since the last dispatch run.

    Redis restarted without persistence (or was flushed) loses every queued batch, and
    the rows they carried would wait REMINDER_REQUEUE_AFTER. The mark is set when
    missing: if it was missing, the queue went with it (or this is the first run ever;
    re-enqueueing then costs a few duplicate messages that find their rows claimed).
    False for other brokers, and when Redis does not answer (enqueueing fails then too).
    """
    url = celery_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return False
    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return bool(client.set(BROKER_MARK, timezone.now().isoformat(), nx=True))
    except redis.RedisError as exc:
        logger.warning("broker did not answer (%s)", type(exc).__name__)
        return False


def enqueue_soon(ids: list[int]) -> None:
    """After commit, try to send now; if the broker is down the next dispatch run will."""

    def publish():
        try:
            enqueue(ids)
        except Exception as exc:  # the outbox row is safe; beat picks it up later
            logger.warning("could not enqueue reminders now (%s); beat will", type(exc).__name__)

    transaction.on_commit(publish)


def nurse_alert(
    *, user: User, dedupe_key: str, subject: str, text: str, patient=None, url: str = ""
) -> Reminder:
    """The hook other features call to tell a nurse something now (e.g. urgent triage).

    The message names no diagnosis; it links to the workspace behind login.
    """
    reminder, created = message_put(
        dedupe_key=f"alert:{dedupe_key}:{user.pk}",
        kind=ReminderKind.NURSE_ALERT,
        channel=Channel.EMAIL,
        recipient_user=user,
        patient=patient,
        send_at=timezone.now(),
        context={"subject": subject, "text": text, "url": url},
    )
    phone = _sms_phone_of(user) if created else ""
    if phone:  # the nurse chose SMS alerts too
        message_put(
            dedupe_key=f"alert:{dedupe_key}:{user.pk}:sms",
            kind=ReminderKind.NURSE_ALERT,
            channel=Channel.SMS,
            recipient_user=user,
            patient=patient,
            send_at=timezone.now(),
            context={"subject": subject, "text": text, "url": url, "staff_to": phone},
        )
    return reminder


def _sms_phone_of(user) -> str:
    preference = NurseAlertPreference.objects.filter(user=user).first()
    return preference.sms_phone if preference is not None else ""


def on_call_alert(
    *, to: str, channel: str, dedupe_key: str, subject: str, text: str, url: str = ""
) -> Reminder:
    """Tell the configured on-call contact (an address, not an account) something now.

    No patient is attached: the message names nobody and links behind login.
    """
    reminder, _ = message_put(
        dedupe_key=f"oncall:{dedupe_key}:{channel}",
        kind=ReminderKind.NURSE_ALERT,
        channel=channel,
        send_at=timezone.now(),
        context={
            "subject": subject,
            "text": text,
            "url": url,
            "staff_to": to,
            "given_name": "on-call team",
        },
    )
    return reminder
