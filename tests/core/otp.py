"""Second-factor helpers for tests: codes computed from a device's secret as an authenticator app would."""
from __future__ import annotations

import base64
import time

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qms_portal.models import Organisation, User

RECOVERY_CODES = [f"recovery{n:02d}" for n in range(10)]


def code_from_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """The six-digit code an app holding the base-32 ``secret`` (spaces allowed) shows now, or ``steps_ahead`` later."""
    key = base64.b32decode("".join(secret.split()).upper())
    return f"{totp(key, step=30, t0=0, digits=6, drift=steps_ahead):06d}"


def next_code(device: TOTPDevice) -> str:
    """A code the device accepts now: for the current 30-second step, or the one after the last step already used
    (a code is never accepted twice), which the device's tolerance of one step lets through."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    ahead = max(now, device.last_t + 1) - now
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + ahead)
    return f"{code:06d}"


def enrol(person: User) -> TOTPDevice:
    """Give ``person`` a confirmed authenticator app and the recovery codes ``RECOVERY_CODES``."""
    device = TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
    recovery = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in RECOVERY_CODES)
    return device


def require_second_factor(required: bool = True) -> None:
    organisation = Organisation.current()
    organisation.second_factor_required = required
    organisation.save()
