"""Two-factor sign-in pages: enrol an authenticator, enter a code, manage backup codes.

TwoFactorMiddleware lets every URL under /accounts/2fa/ through, so these views guard
themselves: someone who has a device but has not entered a code yet may only reach the
verify page (otherwise a stolen password would be enough to add a new device, make
new backup codes or turn two-factor sign-in off).
"""

from base64 import b32encode
from functools import wraps
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from survivorship.two_factor import services
from survivorship.two_factor.flow import has_device, must_enrol
from survivorship.two_factor.forms import (
    ConfirmDeviceForm,
    DisableForm,
    PasswordConfirmForm,
    VerifyForm,
)
from survivorship.web.access import authenticated
from survivorship.web.reauth import mark_password_confirmed, password_recently_confirmed

# Fresh backup codes wait here between the POST that makes them and the one page that
# shows them, so a reload or the back button cannot show them again.
FRESH_CODES_KEY = "two_factor_fresh_codes"
FRESH_NEXT_KEY = "two_factor_fresh_next"
# Wrong passwords on the confirm page, per session: after this many the session ends.
CONFIRM_FAILURES_KEY = "two_factor_confirm_failures"
CONFIRM_FAILURE_LIMIT = 5


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _verified_if_enrolled(view):
    """Send a user with a device who has not entered a code this session to verify."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_verified() and has_device(request.user):
            return redirect(_with_next("two_factor:verify", request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped


def _password_confirmed(view):
    """Ask for the password again before a two-factor change (issue 14, finding 9).

    Like Django admin's password change: someone at a signed-in screen must not be able
    to add their own authenticator or take the backup codes without the password.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not password_recently_confirmed(request):
            back = (
                request.get_full_path() if request.method == "GET" else reverse("two_factor:manage")
            )
            return redirect(_with_next("two_factor:confirm_password", back))
        return view(request, *args, **kwargs)

    return wrapped


@authenticated
@require_http_methods(["GET", "POST"])
@_verified_if_enrolled
def confirm_password(request):
    next_url = _safe_next(request)
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            request.session.pop(CONFIRM_FAILURES_KEY, None)
            mark_password_confirmed(request)
            return redirect(next_url)
        failures = request.session.get(CONFIRM_FAILURES_KEY, 0) + 1
        request.session[CONFIRM_FAILURES_KEY] = failures
        if failures >= CONFIRM_FAILURE_LIMIT:
            auth_logout(request)
            messages.error(request, "Too many wrong passwords: please sign in again.")
            return redirect(settings.LOGIN_URL)
    return render(request, "two_factor/confirm_password.html", {"form": form, "next": next_url})


def _qr_svg(data: str) -> str:
    """The otpauth:// URI as an inline <svg>, drawn here: the secret never leaves the server.

    Inline SVG needs no xmlns in HTML, and leaving it out keeps the page free of any
    outside address. Presentation attributes (fill) are not styles, so the strict CSP
    has nothing to object to.
    """
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg = image.get_image()
    svg.attrib.pop("xmlns", None)
    svg.set("width", "240")
    svg.set("height", "240")
    svg.set("role", "img")
    svg.set("aria-label", "QR code to scan with your authenticator app")
    svg.set("class", "qr-code border")
    return image.to_string(encoding="unicode")


def _group(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


@authenticated
@require_http_methods(["GET", "POST"])
@_verified_if_enrolled
@_password_confirmed
def setup(request):
    user = request.user
    next_url = _safe_next(request)
    device = services.totp_enrol(user=user)
    form = ConfirmDeviceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.totp_confirm(device=device, code=form.cleaned_data["code"])
        if result.ok:
            request.session.cycle_key()
            django_otp.login(request, result.device)
            request.session[FRESH_CODES_KEY] = result.backup_codes
            request.session[FRESH_NEXT_KEY] = next_url
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("two_factor:backup_codes")
        if result.throttled:
            form.add_error(None, _too_many_tries(result))
        else:
            form.add_error(
                "code",
                "That code didn't match. Check the app shows this account and enter the "
                "code it shows now.",
            )
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _group(secret),
            "replacing": has_device(user),
            "required": must_enrol(user),
            "show_nav": request.user.is_verified() or not must_enrol(user),
        },
    )


def _too_many_tries(result) -> str:
    return (
        f"Too many tries, wait a moment: you can try again in {result.wait_seconds} "
        f"second{'s' if result.wait_seconds != 1 else ''}."
    )


@authenticated
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url)
    if not has_device(user):
        if must_enrol(user):
            return redirect(_with_next("two_factor:setup", next_url))
        return redirect(next_url)
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if result.ok:
            # A new session key for the now fully signed-in session (session fixation).
            request.session.cycle_key()
            django_otp.login(request, result.device)
            if result.device.name == services.BACKUP_DEVICE_NAME:
                left = services.backup_codes_left(user=user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Each code works only once."
                    + (" Make new ones on the two-factor page." if left <= 3 else ""),
                )
            return redirect(next_url)
        if result.throttled:
            form.add_error(None, _too_many_tries(result))
        else:
            form.add_error(
                "code",
                "That code didn't work. Codes from the app change every 30 seconds and "
                "each code works only once: wait for the next one and try again.",
            )
    return render(
        request,
        "two_factor/verify.html",
        {"form": form, "next": next_url, "issuer": settings.OTP_TOTP_ISSUER},
    )


@authenticated
@require_http_methods(["GET", "POST"])
@_verified_if_enrolled
def backup_codes(request):
    """POST: make a new set. GET: show the set just made, once."""
    if request.method == "POST":
        if not has_device(request.user):
            messages.error(request, "Turn on two-factor sign-in first.")
            return redirect("two_factor:manage")
        if not password_recently_confirmed(request):
            messages.info(request, "Confirm your password, then make the new codes.")
            return redirect(_with_next("two_factor:confirm_password", reverse("two_factor:manage")))
        request.session[FRESH_CODES_KEY] = services.backup_codes_generate(user=request.user)
        request.session[FRESH_NEXT_KEY] = reverse("two_factor:manage")
        return redirect("two_factor:backup_codes")
    codes = request.session.pop(FRESH_CODES_KEY, None)
    next_url = request.session.pop(FRESH_NEXT_KEY, None) or reverse("two_factor:manage")
    if not codes:
        messages.info(
            request,
            "Backup codes are shown only once, just after they are made. "
            "If you have lost them, make new ones.",
        )
        return redirect("two_factor:manage")
    return render(request, "two_factor/backup_codes.html", {"codes": codes, "next": next_url})


@authenticated
@require_http_methods(["GET"])
@_verified_if_enrolled
def manage(request):
    return render(request, "two_factor/manage.html", _manage_context(request))


def _manage_context(request, form=None):
    user = request.user
    return {
        "enabled": has_device(user),
        "codes_left": services.backup_codes_left(user=user),
        "required": must_enrol(user),
        "form": form or DisableForm(user=user),
    }


@authenticated
@require_http_methods(["POST"])
@_verified_if_enrolled
def disable(request):
    user = request.user
    if must_enrol(user):
        messages.error(
            request,
            "Nurses and administrators must keep two-factor sign-in on. If you lost your "
            "phone, ask an administrator to reset it.",
        )
        return redirect("two_factor:manage")
    form = DisableForm(request.POST, user=user)
    if not form.is_valid():
        return render(request, "two_factor/manage.html", _manage_context(request, form))
    try:
        services.two_factor_disable(user=user)
    except services.TwoFactorRequired as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Two-factor sign-in is off. You will sign in with your password only."
        )
    return redirect("two_factor:manage")
