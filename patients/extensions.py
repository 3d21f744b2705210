"""What the apps above add to the patients app's pages, without it importing them.

The followup app registers, when it starts, the steps that go with recording a return of
disease or a second primary cancer: what happens to the care plans (issue 19). The pages
ask for them here by name; with nothing registered a page is as it was.
"""

from __future__ import annotations

from typing import Any, Protocol

STATUS_EVENT = "status_event"  # recording a disease status: the diagnosis's plan
DIAGNOSIS = "diagnosis"  # adding a diagnosis: a second primary and the other plans


class Step(Protocol):
    def form(self, *, record, data) -> Any | None:
        """A bound (or unbound) form for the page, or None when there is nothing to ask.
        ``record`` is the status event or the diagnosis being recorded (maybe unsaved);
        the form has a ``template_name`` the page includes."""

    def apply(self, *, form, record, by) -> str:
        """Act on the cleaned ``form`` for the saved ``record``, in its transaction;
        returns a sentence for the nurse ('' if nothing was done)."""


_steps: dict[str, Step] = {}


def register_step(name: str, step: Step) -> None:
    _steps[name] = step


def step(name: str) -> Step | None:
    return _steps.get(name)
