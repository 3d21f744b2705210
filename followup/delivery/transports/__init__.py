"""One transport per channel, and the registry that maps each channel to its transport.

A third channel is one new module here and one line in ``REGISTRY``. The errors every
transport raises, and what each says about the message, are in ``base``.
"""

from __future__ import annotations

from collections.abc import Callable

from followup.delivery.transports import email, sms
from followup.delivery.transports.base import (
    Message,
    PermanentError,
    TransientError,
    Transport,
    UncertainError,
)
from followup.models import Channel

# channel -> factory of its transport (called once per dispatch batch).
REGISTRY: dict[str, Callable[[], Transport]] = {
    Channel.EMAIL: email.EmailTransport,
    Channel.SMS: sms.sms_transport,
}


def transport_class(channel: str):
    """The transport for ``channel`` as a class, for ``address_of`` and ``reachable``."""
    return {Channel.EMAIL: email.EmailTransport, Channel.SMS: sms.HttpSmsTransport}[channel]


class Transports:
    """The transports of one dispatch batch: opened lazily, closed together."""

    def __init__(self):
        self._open: dict[str, Transport] = {}

    def for_channel(self, channel: str) -> Transport:
        if channel not in REGISTRY:
            channel = Channel.EMAIL
        if channel not in self._open:
            self._open[channel] = REGISTRY[channel]()
        return self._open[channel]

    def close(self):
        for transport in self._open.values():
            transport.close()
        self._open.clear()


__all__ = [
    "REGISTRY",
    "Message",
    "PermanentError",
    "TransientError",
    "Transport",
    "Transports",
    "UncertainError",
    "transport_class",
]
