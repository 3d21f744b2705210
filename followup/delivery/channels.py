"""Which channel reaches a patient, and why one cannot: written once, used everywhere.

``channel_for`` is the email-or-SMS choice; ``unreachable_reason`` is every refusal that
depends on the contact on file. The transport of each channel answers ``address_of`` and
``reachable`` (``followup.delivery.transports``), so a third channel adds no branch here.
"""

from __future__ import annotations

from followup.delivery.transports import REGISTRY
from followup.models import Channel

PORTAL_ONLY = "portal"


def channel_for(patient_or_choice) -> Channel:
    """The channel for a patient (or their ``preferred_channel`` value): SMS or email.

    A patient who chose the portal only still gets email as the nominal channel of their
    rows; they are skipped at sending time with the reason ``unreachable_reason`` gives.
    """
    choice = getattr(patient_or_choice, "preferred_channel", patient_or_choice)
    return Channel.SMS if choice == Channel.SMS else Channel.EMAIL


def unreachable_reason(patient) -> str | None:
    """Why no message can reach the patient as they chose, or None when one can."""
    if patient.preferred_channel == PORTAL_ONLY:
        return "the patient chose the portal only, no messages"
    return REGISTRY[channel_for(patient)].reachable(patient)
