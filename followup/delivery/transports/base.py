"""One Transport per channel. Each ``send()`` returns the provider's message id or raises.

The three errors say what is known about the message:

PermanentError: the recipient itself was refused (SMTP 550/551/553 or 5.1.x at RCPT, an
    invalid number from the SMS provider). Nothing was delivered; trying again cannot
    help; the row fails and the patient's contact is flagged for a nurse to fix.
TransientError: the server or channel failed (connect, TLS, auth, any 4xx, a 5xx at MAIL
    or DATA, a provider 5xx). Nothing was accepted and it is not the patient's fault:
    retried with capped backoff, the patient is never flagged.
UncertainError: the message went out but no answer came back (a timeout or a dropped
    connection after DATA, an HTTP request sent with no response). It may have arrived:
    never resent automatically; a person settles it on "Needs a person".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class UncertainError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str = ""
    # Sent to providers that deduplicate on it, so a retried request is delivered once.
    idempotency_key: str = ""
    # (filename, content, mimetype): only email carries them (the shared-care letter).
    attachments: tuple[tuple[str, bytes, str], ...] = ()


class Transport(Protocol):
    """An open connection to one channel, for one dispatch batch.

    Each channel's module (``email``, ``sms``) also answers, at module level,
    ``address_of(patient)`` (where it reaches the patient, "" when nothing is on file),
    ``reachable(patient)`` (why it cannot, or None) and ``open_transport()``.
    """

    def send(self, message: Message) -> str:
        """Send, returning the provider's message id, or raise one of the errors above."""

    def close(self) -> None: ...
