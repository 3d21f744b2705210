"""Two-factor sign-in writes: enrol, confirm, verify, backup codes, turn off, reset.

Devices are django-otp's: one TOTPDevice ("Authenticator app") and one StaticDevice
("Backup codes") per user. Every check of a code runs inside a transaction on a row
locked with select_for_update, so two requests racing with the same code cannot both
succeed (TOTPDevice remembers the last accepted time step; a backup code is deleted) and
the throttling counters cannot be lost to a concurrent write.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from survivorship import audit
from survivorship.two_factor.flow import must_enrol

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


class TwoFactorRequired(Exception):
    """Raised when someone who must use two-factor sign-in tries to turn it off."""


@dataclass
class CodeCheck:
    """The outcome of checking a code: the device that accepted it, or why none did."""

    device: TOTPDevice | StaticDevice | None = None
    locked_until: datetime | None = None
    backup_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.device is not None

    @property
    def throttled(self) -> bool:
        return self.device is None and self.locked_until is not None

    @property
    def wait_seconds(self) -> int:
        if self.locked_until is None:
            return 0
        return max(1, math.ceil((self.locked_until - timezone.now()).total_seconds()))


def normalize_code(code: str) -> str:
    """People copy codes with spaces or dashes ("123 456", "abcd-efgh"): ignore them."""
    return re.sub(r"[\s-]", "", code or "").lower()


def looks_like_totp(code: str, *, digits: int = 6) -> bool:
    return code.isdigit() and len(code) == digits


def _check(device, code: str) -> CodeCheck:
    """Verify ``code`` on a device already locked for update by the caller's transaction."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        # django-otp's throttling: after n failures, wait 2**(n-1) seconds. Don't even
        # try the code, so a guess made during the wait cannot succeed.
        return CodeCheck(locked_until=(info or {}).get("locked_until") or timezone.now())
    if device.verify_token(code):
        return CodeCheck(device=device)
    return CodeCheck()


def totp_enrol(*, user) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, created if there is none yet.

    A new secret is made only when none is pending, so reloading the setup page keeps
    showing the QR code the user may already have scanned.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        logger.info("two-factor: enrolment started for user %s", user.pk)
    return device


def totp_confirm(*, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a pending authenticator with its first code.

    On success the device becomes the user's only authenticator (an older one, if this
    replaces a lost phone, is removed) and a fresh set of backup codes is made and
    returned once in ``CodeCheck.backup_codes``. A wrong code leaves it unconfirmed.
    """
    code = normalize_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        result = _check(device, code)
        if not result.ok:
            return result
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        result.backup_codes = backup_codes_generate(user=device.user)
    logger.info("two-factor: authenticator confirmed for user %s", device.user_id)
    return result


def two_factor_verify(*, user, code: str) -> CodeCheck:
    """Check a sign-in code: six digits go to the authenticator, anything else is tried
    as a backup code (which is used up by a success)."""
    code = normalize_code(code)
    with transaction.atomic():
        if looks_like_totp(code):
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.filter(user=user, confirmed=True)
        locked_until = None
        for device in devices.select_for_update().order_by("pk"):
            result = _check(device, code)
            if result.ok:
                if isinstance(device, StaticDevice):
                    logger.info("two-factor: backup code used by user %s", user.pk)
                return result
            locked_until = locked_until or result.locked_until
    return CodeCheck(locked_until=locked_until)


def backup_codes_generate(*, user, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """Replace the user's backup codes with ``count`` new single-use ones, returned once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes: list[str] = []
        while len(codes) < count:
            token = StaticToken.random_token()
            if token not in codes:
                codes.append(token)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in codes)
    logger.info("two-factor: new backup codes for user %s", user.pk)
    return codes


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _delete_devices(user) -> int:
    deleted_totp, _ = TOTPDevice.objects.filter(user=user).delete()
    deleted_static = StaticDevice.objects.filter(user=user).count()
    StaticDevice.objects.filter(user=user).delete()
    return deleted_totp + deleted_static


def two_factor_disable(*, user) -> None:
    """The user turns two-factor sign-in off (patients, or anyone while a demo relaxes it)."""
    if must_enrol(user):
        raise TwoFactorRequired("Nurses and administrators must keep two-factor sign-in on.")
    with transaction.atomic():
        _delete_devices(user)
    logger.info("two-factor: turned off by user %s", user.pk)


def two_factor_reset(*, user, by=None) -> int:
    """An administrator clears a user's devices (a lost phone): they enrol again next time.

    Returns how many devices were removed. Any session verified with a removed device
    stops counting as verified on its next request.
    """

    with transaction.atomic():
        removed = _delete_devices(user)
        audit.record(action="two_factor_reset", object_type="user", object_id=str(user.pk))
    logger.info(
        "two-factor: reset for user %s by user %s (%s devices)",
        user.pk,
        getattr(by, "pk", None),
        removed,
    )
    return removed
