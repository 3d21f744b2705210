"""One transport per channel, and the registry that maps each channel to its transport.

A third channel is one new module here and one line in ``REGISTRY``. The errors every
transport raises, and what each says about the message, are in ``base``.
"""

from __future__ import annotations

from types import ModuleType

from followup.delivery.transports import email, sms
from followup.delivery.transports.base import (
    Message,
    PermanentError,
    TransientError,
    Transport,
    UncertainError,
)
from followup.models import Channel

# channel -> its module: address_of(patient), reachable(patient), open_transport().
REGISTRY: dict[str, ModuleType] = {Channel.EMAIL: email, Channel.SMS: sms}


class Transports:
    """The transports of one dispatch batch: opened lazily, closed together."""

    def __init__(self):
        self._open: dict[str, Transport] = {}

    def for_channel(self, channel: str) -> Transport:
        if channel not in REGISTRY:
            channel = Channel.EMAIL
        if channel not in self._open:
            self._open[channel] = REGISTRY[channel].open_transport()
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
]
