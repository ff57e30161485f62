"""The second factor of sign-in: a TOTP authenticator app (django-otp) with ten single-use recovery codes.

Who needs one: top management, quality managers and auditors, while the organisation's setting
``second_factor_required`` is on (the default). Anyone who has set one up is asked for a code after the
password, whatever their role. ``AccessMiddleware`` (``qms_portal.access``) holds every view but the
second-factor steps until the session is verified, so no view checks it by hand; signing electronically
asks for a code again (``qms_portal.signatures``).
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import cast

import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qms_portal.access import Capability, PortalRole, require_capability
from qms_portal.accounts import session_rotate, sessions_end
from qms_portal.audit import audit_context, audit_step
from qms_portal.models import Organisation, User

SECOND_FACTOR_ROLES = (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER, PortalRole.AUDITOR)
RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def second_factor_required(user: User, *, organisation: Organisation | None) -> bool:
    """Whether ``user`` must have a second factor: the organisation requires it and they hold a role that needs it.

    With no organisation record to hand (the database was unreachable) it is required: the check fails closed.
    """
    required = organisation is None or organisation.second_factor_required
    return required and user.groups.filter(name__in=SECOND_FACTOR_ROLES).exists()


def has_second_factor(user: User) -> bool:
    """Whether ``user`` has a confirmed authenticator app (recovery codes come with it and go with it). One query."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def session_verified(request: HttpRequest) -> bool:
    """Whether this session's person gave a code after the password (``OTPMiddleware`` reads the session)."""
    return getattr(request.user, "otp_device", None) is not None


def second_factor_step_due(request: HttpRequest, *, organisation: Organisation | None) -> str | None:
    """The URL name of the step the signed-in person must take before anything else: the code, or enrolment.

    None when the session is verified, or when the person has no second factor and needs none.
    """
    if session_verified(request):
        return None
    person = cast(User, request.user)  # the middleware asks only for signed-in people
    if has_second_factor(person):
        return "second_factor"
    if second_factor_required(person, organisation=organisation):
        return "second_factor_enrol"
    return None


def fully_signed_in(request: HttpRequest, *, organisation: Organisation | None) -> bool:
    """Whether the request comes from a signed-in person who owes no second-factor step: what a public view that
    shows more to staff must ask, since the access middleware does not hold public views back."""
    return request.user.is_authenticated and second_factor_step_due(request, organisation=organisation) is None


def _code(token: str) -> str:
    # People type codes with spaces ("123 456", "abcd efgh") and in either case; recovery codes are lower case.
    return "".join(token.split()).lower()


def code_used_already(user: User, token: str) -> bool:
    """Whether ``token`` is the code ``user``'s app showed for the last step a code was accepted in: typed again
    (to sign just after signing in, say), it is refused, but it is no guess."""
    token = _code(token)
    if not token.isdigit():
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True, last_t__gte=0):
        now = int((time.time() - device.t0) // device.step)
        used = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.last_t - now)
        if f"{used:0{device.digits}d}" == token:
            return True
    return False


def code_check(user: User, token: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``token`` for ``user``, a code of their app or one of their recovery codes (then
    used up), or None. Throttled by django-otp: each failure doubles the wait before the next try."""
    token = _code(token)
    if not token:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if token.isdigit() and device.verify_token(token):
                return device
        for recovery in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if recovery.verify_token(token):
                return recovery
    return None


def second_factor_sign_in(request: HttpRequest, *, token: str) -> bool:
    """Verify the signed-in person's session with ``token``; False, and nothing changed, when it is not right."""
    device = code_check(cast(User, request.user), token)
    if device is None:
        return False
    otp_login(request, device)
    session_rotate(request)  # the id known while only the password was given never becomes a verified session
    return True


@dataclass(frozen=True)
class Enrolment:
    """An authenticator app being set up: its secret as text and as a QR code, until a code confirms it."""

    device: TOTPDevice

    @property
    def secret(self) -> str:
        """The secret in base 32, in groups of four, for typing into an app that cannot scan."""
        text = base64.b32encode(self.device.bin_key).decode("ascii")
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    @property
    def qr_svg(self) -> SafeString:
        """The ``otpauth://`` address as an inline SVG QR code, drawn here on the server."""
        svg = segno.make(self.device.config_url, error="m").svg_inline(
            scale=4, border=2, title="QR code for your authenticator app", svgclass="qr-code", lineclass=None
        )
        return mark_safe(svg)  # noqa: S308 - segno's own markup: path data from the address, no text of ours


def enrolment_start(*, user: User) -> Enrolment:
    """The authenticator app ``user`` is setting up: the one begun before (so a reload keeps the QR code), or a new
    one. Refused when they already have a confirmed one: only a quality manager's reset removes it."""
    if has_second_factor(user):
        raise PermissionDenied("You already have a second factor. Another quality manager can reset it.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return Enrolment(device=device)


@transaction.atomic
def enrolment_confirm(request: HttpRequest, *, enrolment: Enrolment, token: str) -> list[str] | None:
    """Confirm the app being set up with a code from it: the session is then verified and ``RECOVERY_CODE_COUNT``
    single-use recovery codes are made and returned, to be shown once. None when the code is not right."""
    device = TOTPDevice.objects.select_for_update().get(pk=enrolment.device.pk, confirmed=False)
    token = _code(token)
    if not token.isdigit() or not device.verify_token(token):
        return None
    person = device.user
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=person, confirmed=False).delete()
    StaticDevice.objects.filter(user=person).delete()
    recovery = StaticDevice.objects.create(user=person, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    with audit_context(actor=person):
        audit_step(person, step="second factor set up", reason="Authenticator app and recovery codes")
    otp_login(request, device)
    session_rotate(request)
    return codes


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def second_factor_reset_check(*, person: User, by: User) -> None:
    """Raise ``PermissionDenied`` unless ``by`` may reset ``person``'s second factor: they manage people, and it is
    not their own (which would let whoever holds a quality manager's password remove the code that guards it)."""
    require_capability(by, Capability.MANAGE_PEOPLE, doing="reset a second factor")
    if person.pk == by.pk:
        raise PermissionDenied("You cannot reset your own second factor: ask another quality manager.")


@transaction.atomic
def second_factor_reset(*, person: User, by: User, reason: str) -> None:
    """Remove ``person``'s authenticator app and recovery codes and sign them out everywhere; they set up a new one
    at their next sign-in. Only another person who manages people may: nobody resets their own."""
    second_factor_reset_check(person=person, by=by)
    _second_factor_remove(person=person, actor=by, reason=reason)


def second_factor_reset_by_operator(*, person: User, reason: str) -> None:
    """The server operator's reset (``manage.py second_factor_reset``), for when nobody else who manages people can
    sign in: the only quality manager lost their phone and their recovery codes. Kept on the trail like any."""
    if not reason.strip():
        raise ValueError("Say why the second factor is reset: the reason is kept in the audit trail.")
    _second_factor_remove(person=person, actor="operator (manage.py second_factor_reset)", reason=reason.strip())


def _second_factor_remove(*, person: User, actor: User | str, reason: str) -> None:
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    with audit_context(actor=actor, reason=reason):
        audit_step(person, step="second factor reset", reason=reason)
    sessions_end(user=person)
