"""What the apps above add to the patients app's pages, without it importing them.

The followup app registers, when it starts, the step that goes with recording a return
of disease: what happens to the surveillance plan (issue 19). The status event page asks
for it here; with nothing registered the page is as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StatusEventStep(Protocol):
    def form(self, *, diagnosis, event, data) -> Any | None:
        """A bound (or unbound) form for the page, or None when there is nothing to ask."""

    def apply(self, *, form, event, by) -> str:
        """Act on the cleaned ``form`` for the saved ``event``, in its transaction;
        returns a sentence for the nurse ('' if nothing was done)."""


@dataclass
class _Registry:
    status_event_step: StatusEventStep | None = None


_registry = _Registry()


def register_status_event_step(step: StatusEventStep) -> None:
    _registry.status_event_step = step


def status_event_step() -> StatusEventStep | None:
    return _registry.status_event_step
