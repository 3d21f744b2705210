"""Size limits for free text (issue 14, finding 8).

Every free-text field of the app (model ``TextField``s and form-only text boxes) has one
of these limits. Django enforces ``max_length`` in the form, so an over-long value is a
form error next to the field, never a stored megabyte; the browser also stops typing at
the limit (``maxlength``). ``tests/survivorship/test_hostile_input.py`` posts one
character over the limit to each field and walks every model for a ``TextField``
without one.

- ``NOTE`` (2,000): what a patient writes in a report, and the short notes staff add to
  a visit, a status event, a report or a contact.
- ``LONG_TEXT`` (5,000): treatment notes and lasting side effects, instructions for the
  patient, and a template's notes for nurses.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

NOTE = 2000
LONG_TEXT = 5000

TOO_LONG = _(
    "This is too long: please keep it to %(limit_value)d characters or fewer "
    "(it has %(show_value)d)."
)
ERROR_MESSAGES = {"max_length": TOO_LONG}


def text_field(*, limit: int = NOTE, rows: int = 2, **kwargs) -> forms.CharField:
    """A text box of a form with its limit, the browser's maxlength and a clear error."""
    kwargs.setdefault("required", False)
    return forms.CharField(
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=ERROR_MESSAGES,
        **kwargs,
    )


def limit_messages(form: forms.BaseForm) -> None:
    """Give every limited text field of ``form`` the clear message (for ModelForms)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages = {**field.error_messages, **ERROR_MESSAGES}
