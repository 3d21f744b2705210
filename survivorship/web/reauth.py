"""When the password was last typed in this session (issue 14, finding 9).

Sign-in sets it, and so does the confirm-password page that guards two-factor changes;
those changes ask for the password again once TWO_FACTOR_REAUTH_SECONDS have passed.
"""

import time

from django.conf import settings

PASSWORD_CONFIRMED_AT = "password_confirmed_at"  # noqa: S105 (a session key, not a secret)


def password_recently_confirmed(request) -> bool:
    confirmed_at = request.session.get(PASSWORD_CONFIRMED_AT)
    if not isinstance(confirmed_at, int | float):
        return False
    age = time.time() - confirmed_at
    return 0 <= age <= settings.TWO_FACTOR_REAUTH_SECONDS


def mark_password_confirmed(request) -> None:
    request.session[PASSWORD_CONFIRMED_AT] = time.time()
