from django import forms

from survivorship.two_factor.services import looks_like_totp, normalize_code


class ConfirmDeviceForm(forms.Form):
    """The first code from a newly added authenticator app."""

    code = forms.CharField(
        label="6-digit code from the app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "font-monospace",
            }
        ),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not looks_like_totp(code):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code


class VerifyForm(forms.Form):
    """A sign-in code: six digits from the app, or one of the backup codes."""

    code = forms.CharField(
        label="Code",
        help_text="The 6 digits your authenticator app shows now, or one of your backup codes.",
        max_length=24,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
                "class": "font-monospace",
            }
        ),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("Enter a code.")
        return code


class PasswordConfirmForm(forms.Form):
    """The password again, before a change to how this account signs in."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not right.")
        return password


class DisableForm(PasswordConfirmForm):
    """Turning two-factor sign-in off asks for the password again."""
