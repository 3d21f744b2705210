"""Email: Django's email backend, SMTP when EMAIL_HOST is set (console and var/mail/ otherwise)."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid

from followup.delivery.transports.base import (
    Message,
    PermanentError,
    TransientError,
    UncertainError,
)


def recipient_refused(code: int, reply: bytes | str) -> bool:
    """Whether an SMTP reply at RCPT blames the address rather than the server (RFC 3463)."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return code in (550, 551, 553) or text.strip().startswith("5.1.")


class EmailTransport:
    """Django's email backend: SMTP when EMAIL_HOST is set, console and var/mail/ otherwise."""

    def __init__(self):
        self.connection = None

    def send(self, message: Message) -> str:
        if not message.to or "@" not in message.to:
            raise PermanentError("no valid email address on file")
        if self.connection is None:
            # Opened here and kept for the whole batch: Django would otherwise open and
            # close an SMTP connection per message.
            self.connection = get_connection(fail_silently=False)
            try:
                self.connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                self.connection = None
                raise TransientError(f"mail server unreachable: {type(exc).__name__}") from exc
        message_id = make_msgid(domain="survivorship")
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            to=[message.to],
            headers={"Message-ID": message_id},
            connection=self.connection,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        for filename, content, mimetype in message.attachments:
            email.attach(filename, content, mimetype)
        self._converse(email, message.to)
        return message_id

    def _converse(self, email: EmailMultiAlternatives, to: str) -> None:
        """MAIL, RCPT, DATA one at a time, so a failure says which step it came from."""
        smtp = getattr(self.connection, "connection", None)
        if not isinstance(smtp, smtplib.SMTP):  # console or file backend in development
            email.send()
            return
        phase = "MAIL"
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(email.from_email)
            if code != 250:
                self._reset(smtp)
                raise TransientError(f"mail server said {code} at MAIL")
            phase = "RCPT"
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                self._reset(smtp)
                if recipient_refused(code, reply):
                    raise PermanentError(f"address refused by the mail server ({code})")
                raise TransientError(f"mail server said {code} at RCPT")
            phase = "DATA"
            code, reply = smtp.data(email.message().as_bytes(linesep="\r\n"))
            if code != 250:
                self._reset(smtp)
                raise TransientError(f"mail server said {code} at DATA")
        except smtplib.SMTPDataError as exc:  # refused DATA itself: nothing was sent
            self._reset(smtp)
            raise TransientError(f"mail server said {exc.smtp_code} at DATA") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            if phase == "DATA":
                raise UncertainError(
                    f"no answer from the mail server after the message was sent "
                    f"({type(exc).__name__}): it may have arrived"
                ) from exc
            raise TransientError(
                f"mail server unreachable at {phase}: {type(exc).__name__}"
            ) from exc

    def _reset(self, smtp) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: S110 - closing a broken connection can fail too
                pass
            self.connection = None


def address_of(patient) -> str:
    return patient.email or ""


def reachable(patient) -> str | None:
    return None if address_of(patient) else "no email address on file"


def open_transport() -> EmailTransport:
    return EmailTransport()
