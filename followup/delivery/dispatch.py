"""Sending what the outbox holds, exactly once.

States say what is known: pending (queued) → claimed (a worker owns it, nothing handed
to a provider yet) → sending (being handed over) → sent / failed / uncertain.

Each row is claimed with a conditional UPDATE (pending → claimed): whichever worker's
UPDATE changes the row owns it, so two dispatchers (two beats by mistake, a redelivered
task) can never both send it. ``claimed_at`` is the claim's token: a row still
"claimed" after REMINDER_CLAIM_LEASE (its worker died before handing it over) is
released to pending and sent; its old owner can no longer move it, because the token
changed. A row is marked "sending" in its own commit just before the provider is
called: a worker killed then leaves that one row "sending", and a timeout or dropped
connection after the message went out leaves it "uncertain". Neither is ever resent
automatically; both are listed for a person (report_stuck).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.sql import UpdateQuery
from django.urls import reverse
from django.utils import timezone

from followup.delivery import channel_health, messages
from followup.delivery.channels import PORTAL_ONLY, channel_for, unreachable_reason
from followup.delivery.outbox import broker_lost_queue, enqueue, nurse_alert
from followup.delivery.transports import (
    PermanentError,
    TransientError,
    Transports,
    UncertainError,
)
from followup.models import (
    OPEN_STATUSES,
    CheckInStatus,
    DeliveryAttempt,
    PlanStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VisitStatus,
)
from followup.rules.local_time import within_local_day
from followup.selectors.preferences import (
    grant_allows_reminders,
    preference_of,
    quiet_hours,
    zone_of,
)
from patients.models import CaregiverGrant
from survivorship.roles import Role, users_with_role

logger = logging.getLogger(__name__)


def release_expired_claims(*, now: datetime | None = None) -> int:
    """Claimed rows whose worker died before handing them over: back to the queue."""
    now = now or timezone.now()
    return Reminder.objects.filter(
        status=ReminderStatus.CLAIMED, claimed_at__lt=now - settings.REMINDER_CLAIM_LEASE
    ).update(
        status=ReminderStatus.PENDING,
        claimed_at=None,
        queued_at=None,
        attempts=F("attempts") - 1,
    )


def due_ids(
    *, now: datetime | None = None, limit: int = 5000, queue_lost: bool = False
) -> list[int]:
    """Due rows not waiting in the queue: never queued, queued too long ago, or all of
    them when the broker lost its queue (``queue_lost``)."""
    now = now or timezone.now()
    due = Reminder.objects.due(now)
    if not queue_lost:
        requeue_before = now - settings.REMINDER_REQUEUE_AFTER
        due = due.filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before))
    return list(due.order_by("send_at", "pk").values_list("pk", flat=True)[:limit])


def dispatch_due(*, now: datetime | None = None) -> int:
    """Enqueue due rows not already waiting in the queue (or waiting suspiciously long).

    A broker that restarted without persistence lost every queued batch: then every due
    row is enqueued again on this very run, instead of after REMINDER_REQUEUE_AFTER. An
    early re-enqueue is always safe, because sending claims each row.
    """
    now = now or timezone.now()
    release_expired_claims(now=now)
    lost = broker_lost_queue()
    if lost:
        logger.warning("the broker lost its queue (restarted or flushed): re-enqueueing")
    ids = due_ids(now=now, queue_lost=lost)
    if ids:
        Reminder.objects.filter(pk__in=ids).update(queued_at=now)
        enqueue(ids)
    return len(ids)


def claim_batch(ids: list[int], *, now: datetime) -> list[int]:
    """pending → claimed for every due row of ``ids`` in one statement; the ids claimed.

    On PostgreSQL, one UPDATE over a ``FOR UPDATE SKIP LOCKED`` sub-select: a row another
    worker is claiming at this instant is skipped, not waited for, and rows it already
    claimed no longer match ``status = 'pending'``. ``claimed_at`` (= ``now``) is this
    batch's claim token.
    """
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return []
    if connection.vendor != "postgresql":
        claimable = Reminder.objects.filter(
            pk__in=ids, status=ReminderStatus.PENDING, send_at__lte=now
        )
        mine = list(claimable.values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=mine, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
        )
        return list(
            Reminder.objects.filter(
                pk__in=mine, status=ReminderStatus.CLAIMED, claimed_at=now
            ).values_list("pk", flat=True)
        )
    table = connection.ops.quote_name(Reminder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608 - the model's own table name
            f"WHERE id IN (SELECT id FROM {table} WHERE id = ANY(%s) AND status = %s "
            "AND send_at <= %s FOR UPDATE SKIP LOCKED) RETURNING id",
            [ReminderStatus.CLAIMED, now, ids, ReminderStatus.PENDING, now],
        )
        return [row[0] for row in cursor.fetchall()]


def send_batch(ids: list[int], *, now: datetime | None = None) -> Counter:
    """Claim the batch in one statement, then hand each claimed row over in turn.

    One SMTP connection serves the whole batch. A database error on one row (a dropped
    connection) does not strand the rest: the connection is reopened and the batch goes
    on; the row it happened to is "claimed" (released after the lease) or "sending"
    (listed for a person), never sent twice.
    """
    now = now or timezone.now()
    results: Counter = Counter()
    transports = Transports()
    health = ChannelOutcomes()
    claimed = claim_batch(ids, now=now)
    if len(claimed) < len(set(ids)):
        results["not-claimed"] += len(set(ids)) - len(claimed)
    rows = (
        Reminder.objects.select_related(
            "patient__reminder_preference", "visit__plan", "checkin", "recipient_user"
        )
        .filter(pk__in=claimed)
        .order_by("send_at", "pk")
    )
    try:
        for reminder in list(rows):
            try:
                results[_send_claimed(reminder, transports, now=now, health=health)] += 1
            except (OperationalError, InterfaceError) as exc:
                # The database went away mid-row: this row stays claimed or sending (its
                # fate is decided by the lease or a person); the batch goes on.
                logger.warning("reminder %s: database error %s", reminder.pk, type(exc).__name__)
                connection.close()
                results["db-error"] += 1
    finally:
        transports.close()
        try:
            health.record()
        except (OperationalError, InterfaceError):
            connection.close()
    return results


class ChannelOutcomes:
    """What a batch learned about each channel, written once per batch (not per message).

    Any success in the batch means the channel works; otherwise its last server fault
    marks it degraded.
    """

    def __init__(self):
        self.succeeded: set[str] = set()
        self.faults: dict[str, str] = {}

    def record(self) -> None:
        for channel, error in self.faults.items():
            if channel not in self.succeeded:
                channel_health.channel_fault(channel=channel, error=error)
        for channel in self.succeeded:
            channel_health.channel_ok(channel=channel)


def _claim(pk: int, now: datetime) -> bool:
    return bool(
        Reminder.objects.filter(pk=pk, status=ReminderStatus.PENDING, send_at__lte=now).update(
            status=ReminderStatus.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _reconnecting(write, attempts: int = 3):
    """Run one idempotent write, reopening the database connection if it dropped.

    A dropped connection (a database restart, pg_terminate_backend, a network blip) in
    the instant between the provider's answer and the write that records it would
    otherwise leave a delivered row "sending" for a person to settle.
    """
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == attempts or connection.in_atomic_block:
                raise
            logger.warning("database connection lost; reconnecting (%d)", attempt)
            connection.close()
            time.sleep(0.2 * attempt)
    return None


def _hand_over(reminder: Reminder) -> bool:
    """claimed → sending, committed before the provider is called; False if released.

    Idempotent for its claimant, so it can be retried after a dropped connection: a row
    "sending" with this batch's claim token was moved there by this very call (nobody
    else holds the token), and nothing has been handed to the provider yet.
    """
    return bool(
        _reconnecting(
            lambda: _claimant(reminder).update(status=ReminderStatus.SENDING),
        )
    )


def _claimant(reminder: Reminder):
    # Only the claimant (same claim token) moves a row out of "claimed" or "sending".
    return Reminder.objects.filter(
        pk=reminder.pk,
        status__in=[ReminderStatus.CLAIMED, ReminderStatus.SENDING],
        claimed_at=reminder.claimed_at,
    )


def _finish(reminder: Reminder, **fields) -> None:
    _claimant(reminder).update(**fields)


def _skip(reminder: Reminder, reason: str) -> str:
    _finish(reminder, status=ReminderStatus.SKIPPED, skip_reason=reason[:200])
    return "skipped"


def _why_not(reminder: Reminder, now: datetime) -> tuple[str, str] | None:
    """(status, reason) when this reminder must not go out; None when it may."""
    if reminder.attempts == 1 and now - reminder.send_at > settings.REMINDER_LATE_CUTOFF:
        return "skipped", f"too late: it was due at {reminder.send_at:%Y-%m-%d %H:%M} UTC"
    visit = reminder.visit
    if visit is not None and reminder.kind == ReminderKind.OVERDUE:
        if visit.status not in OPEN_STATUSES:
            return "cancelled", "the follow-up item is no longer open"
        if visit.plan.status != PlanStatus.ACTIVE:
            # Paused for a return of disease, or ended: no "please book" prompts (issue 19).
            return "cancelled", f"the care plan is {visit.plan.get_status_display().lower()}"
    elif visit is not None and (
        visit.status != VisitStatus.SCHEDULED or reminder.context.get("days_before") is None
    ):
        return "cancelled", "the visit is no longer booked"
    if reminder.checkin is not None and reminder.checkin.status != CheckInStatus.OPEN:
        return "skipped", "the check-in was already answered"
    if reminder.kind == ReminderKind.CARE_LETTER:
        return _letter_refusal(reminder)
    if messages.is_for_caregiver(reminder):
        return _caregiver_refusal(reminder)
    if reminder.context.get("staff_to"):
        # The on-call contact (configured by the clinic) or a nurse's own SMS number.
        if reminder.recipient_user is not None and not reminder.recipient_user.is_active:
            return "skipped", "the staff member's account is inactive"
        return None
    if reminder.recipient_user is not None:
        if not reminder.recipient_user.is_active or not reminder.recipient_user.email:
            return "skipped", "the staff member has no active account with an email address"
        return None
    patient = reminder.patient
    if not patient.active:
        return "skipped", "the patient record is inactive"
    if patient.reminder_consent_at is None:
        return "skipped", "no consent to reminders on file"
    if patient.preferred_channel == PORTAL_ONLY:
        return "skipped", unreachable_reason(patient)
    preference = preference_of(patient)
    if preference is not None and not preference.wants(reminder.kind):
        return "skipped", f"the patient turned off {reminder.get_kind_display().lower()}s"
    if preference is not None and not preference.to_patient:
        return "skipped", "the patient chose to have reminders sent to their caregivers only"
    reason = unreachable_reason(patient)
    if reason:
        return "skipped", reason
    return None


def _caregiver_refusal(reminder: Reminder) -> tuple[str, str] | None:
    """A copy to a caregiver (issue 21) goes only while the patient still wants it and
    the grant is still in force and allows reminders; checked now, at send time."""
    patient = reminder.patient
    if patient is None or not patient.active:
        return "skipped", "the patient record is inactive"
    if patient.reminder_consent_at is None:
        return "skipped", "no consent to reminders on file"
    preference = preference_of(patient)
    if preference is None or not preference.to_caregivers:
        return "cancelled", "the patient no longer has reminders sent to caregivers"
    if not preference.wants(reminder.kind):
        return "skipped", f"the patient turned off {reminder.get_kind_display().lower()}s"
    grant = CaregiverGrant.objects.filter(
        pk=reminder.context.get("caregiver_grant"),
        patient_id=patient.pk,
        caregiver_id=reminder.recipient_user_id,
    ).first()
    if grant is None or not grant.live:
        return "cancelled", "the caregiver's access was ended"
    if not grant_allows_reminders(grant):
        return "cancelled", "the caregiver's access no longer includes reminders"
    if not reminder.recipient_user.email:
        return "skipped", "the caregiver's account has no email address"
    return None


def _letter_refusal(reminder: Reminder) -> tuple[str, str] | None:
    """The letter carries the patient's name: it goes only to the doctor on the record now.

    If the primary-care email changed (or was removed) after the nurse sent it, the
    letter is not sent to the old address; she can send it again to the new one.
    """
    patient = reminder.patient
    if patient is None or not patient.active:
        return "skipped", "the patient record is inactive"
    on_record = (patient.pcp_email or "").strip().lower()
    if not on_record or on_record != reminder.context.get("staff_to", "").strip().lower():
        return "cancelled", "the primary-care doctor's email on the record changed"
    return None


def send_one(
    pk: int,
    transports: Transports,
    *,
    now: datetime | None = None,
    health: ChannelOutcomes | None = None,
) -> str:
    now = now or timezone.now()
    if not _claim(pk, now):
        return "not-claimed"
    reminder = Reminder.objects.select_related(
        "patient__reminder_preference", "visit__plan", "checkin", "recipient_user"
    ).get(pk=pk)
    return _send_claimed(reminder, transports, now=now, health=health or ChannelOutcomes())


def _send_claimed(
    reminder: Reminder, transports: Transports, *, now: datetime, health: ChannelOutcomes
) -> str:
    refusal = _why_not(reminder, now)
    if refusal is not None:
        status, reason = refusal
        _finish(reminder, status=status, skip_reason=reason)
        return status
    channel = "email"
    if reminder.context.get("staff_to"):
        channel = reminder.channel
    elif reminder.patient is not None and (
        reminder.recipient_user is None or messages.is_for_caregiver(reminder)
    ):
        # A caregiver's copy goes by email, within the patient's hours (theirs are unknown).
        if reminder.recipient_user is None:
            channel = channel_for(reminder.patient)
        start, end = quiet_hours(reminder.patient)
        zone = zone_of(reminder.patient)
        allowed = within_local_day(now, zone, start, end)
        if allowed != now:
            # Outside the patient's hours (a retry, a late run): wait for the morning.
            if allowed < now:
                local_next = (now.astimezone(zone) + timedelta(days=1)).date()
                allowed = datetime.combine(local_next, start, tzinfo=zone)
            _finish(
                reminder,
                status=ReminderStatus.PENDING,
                send_at=allowed,
                attempts=F("attempts") - 1,
                queued_at=None,
            )
            return "deferred"
    message = replace(messages.render(reminder, channel), idempotency_key=reminder.dedupe_key)
    if not _hand_over(reminder):
        return "not-claimed"
    try:
        provider_id = transports.for_channel(channel).send(message)
    except UncertainError as exc:
        _conclude(
            reminder,
            {"succeeded": False, "error": str(exc)},
            status=ReminderStatus.UNCERTAIN,
            last_error=str(exc)[:500],
            channel=channel,
        )
        logger.warning("reminder %s uncertain: %s", reminder.pk, type(exc.__cause__).__name__)
        return "uncertain"
    except PermanentError as exc:
        _conclude(
            reminder,
            {"succeeded": False, "error": str(exc), "permanent": True},
            status=ReminderStatus.FAILED,
            last_error=str(exc)[:500],
            channel=channel,
        )
        # The patient's own contact only: a letter's bad address is the doctor's.
        if (
            reminder.patient is not None
            and reminder.recipient_user is None
            and not reminder.context.get("staff_to")
        ):
            type(reminder.patient).objects.filter(pk=reminder.patient_id).update(
                contact_problem=f"{channel}: {exc}"[:300]
            )
        return "failed"
    except TransientError as exc:
        # A server or channel fault: never the patient's contact. Retried with capped
        # backoff; the channel is marked degraded (one alert per outage).
        health.faults[channel] = str(exc)
        attempt = {"succeeded": False, "error": str(exc)}
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _conclude(reminder, attempt, status=ReminderStatus.FAILED, last_error=str(exc)[:500])
            return "failed"
        delay = settings.REMINDER_RETRY_BASE * (2 ** (reminder.attempts - 1))
        _conclude(
            reminder,
            attempt,
            status=ReminderStatus.PENDING,
            send_at=now + min(delay, timedelta(hours=1)),
            last_error=str(exc)[:500],
            queued_at=None,
        )
        return "retry"
    health.succeeded.add(channel)
    _conclude(
        reminder,
        {"succeeded": True, "provider_message_id": provider_id},
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:200],
        channel=channel,
        last_error="",
    )
    if reminder.kind == ReminderKind.CHECKIN and reminder.checkin_id:
        type(reminder.checkin).objects.filter(pk=reminder.checkin_id).update(reminded_at=now)
    return "sent"


def _conclude(reminder: Reminder, attempt: dict, **fields) -> None:
    """Record the attempt and the row's new state in one statement (one round trip).

    On PostgreSQL: ``WITH moved AS (UPDATE ... RETURNING id) INSERT INTO deliveryattempt
    SELECT ... FROM moved``, sent with ``SET LOCAL synchronous_commit TO OFF`` in the same
    query string (one implicit transaction): the commit does not wait for the disk. If
    the database server itself crashed in that instant, the row would be left "sending"
    (the hand-over was committed durably) and listed for a person, never sent again.
    Only the claimant (same claim token) moves the row, and only then is the attempt
    recorded.
    """
    _reconnecting(lambda: _record(reminder, attempt, fields))


def _record(reminder: Reminder, attempt: dict, fields: dict) -> None:
    # Safe to repeat: once the row has moved, the UPDATE matches nothing and no second
    # attempt is recorded.
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if _claimant(reminder).update(**fields):
                DeliveryAttempt.objects.create(reminder=reminder, **attempt)
        return
    update = _claimant(reminder).query.chain(UpdateQuery)
    update.add_update_values(fields)
    update_sql, update_params = update.get_compiler(connection.alias).as_sql()
    values = {
        "attempted_at": timezone.now(),
        "succeeded": attempt["succeeded"],
        "provider_message_id": attempt.get("provider_message_id", "")[:200],
        "error": attempt.get("error", "")[:500],
        "permanent": attempt.get("permanent", False),
    }
    attempts = connection.ops.quote_name(DeliveryAttempt._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in values)
    placeholders = ", ".join(["%s"] * len(values))
    # Every name and the UPDATE come from Django's own compiler; values are parameters.
    sql = (
        "SET LOCAL synchronous_commit TO OFF; "  # noqa: S608
        f"WITH moved AS ({update_sql} RETURNING id) "
        f"INSERT INTO {attempts} (reminder_id, {columns}) "
        f"SELECT id, {placeholders} FROM moved"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*update_params, *values.values()])


def report_stuck(*, now: datetime | None = None) -> int:
    """Rows nobody can vouch for: tell administrators (a count, no names), do not resend.

    "sending" rows older than REMINDER_STUCK_AFTER (a worker died while handing one
    over) and "uncertain" rows (sent, no answer came back).

    Only patients' messages count: they are the ones listed on the page. A staff alert
    in doubt (this very report, through a relay that answers too late) is not reported
    again, or a slow relay would breed one report from the last every few minutes.
    """
    now = now or timezone.now()
    stuck = Reminder.objects.filter(
        Q(status=ReminderStatus.SENDING, claimed_at__lt=now - settings.REMINDER_STUCK_AFTER)
        | Q(status=ReminderStatus.UNCERTAIN),
        stuck_reported_at__isnull=True,
        patient__isnull=False,
    )
    ids = list(stuck.values_list("pk", flat=True))
    if not ids:
        return 0
    Reminder.objects.filter(pk__in=ids).update(stuck_reported_at=now)
    admins = users_with_role(Role.ADMINISTRATOR)
    for admin in admins.exclude(email=""):
        nurse_alert(
            user=admin,
            dedupe_key=f"stuck:{now:%Y%m%dT%H%M}",
            subject=f"{len(ids)} reminder(s) may not have been delivered",
            text=(
                f"{len(ids)} reminder(s) went out but we cannot tell whether they arrived "
                "(a worker stopped, or the mail or SMS provider did not answer in time). "
                "They were not resent, so no one gets a copy twice. Please open "
                "'Needs a person' and, for each one, resend it or mark it as delivered."
            ),
            url=f"{settings.SITE_URL}{reverse('dashboard:needs_person')}",
        )
    logger.warning("%d reminder(s) stuck or uncertain reported to administrators", len(ids))
    return len(ids)
