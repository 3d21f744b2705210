from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        # AuthenticationForm sets max_length after building the field, so no validator
        # checks it: an over-long username would reach authenticate() and the lockout
        # records.
        self.fields["username"].validators.append(MaxLengthValidator(150))
        self.fields["password"].validators.append(MaxLengthValidator(4096))
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
