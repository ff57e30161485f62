"""Electronic signatures: signing any ``SignedRecord`` (a policy version's approval, a review's minutes).

``record_sign`` is the one way a record is signed: it re-reads the record under a lock, lets the record's
own step check it, checks the signer's password (and their second-factor code, when they have one),
signs, and calls back to the record's step. The signer
re-enters their password. A signature stores the signer, their printed name, the time
(UTC), the meaning ("Approved") and the SHA-256 of the exact content signed, sealed together with the
record's title and number by an HMAC under the records key (``signature_seal``); it is valid only while
the content still hashes the same and the seal still matches the row and the record (``signature_is_valid``).
Wrong passwords sign nothing and are recorded in the audit trail;
after ``SIGNING_FAILURE_LIMIT`` in a row, signing is locked for that person for a while and the
quality managers are told.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from qms_portal.access import PortalRole
from qms_portal.audit import audit_context, audit_step
from qms_portal.mfa import code_check, code_used_already, has_second_factor
from qms_portal.models import ElectronicSignature, SignedRecord, SigningLock, User
from qms_portal.models.signatures import content_sha256, signature_is_valid, signature_seal
from qms_portal.refusals import StepRefused

log = logging.getLogger(__name__)


class SignatureRefused(Exception):
    """The signature was not made; the message says why, for the person signing, and ``field`` which entry was wrong."""

    def __init__(self, message: str, *, field: str = "password") -> None:
        super().__init__(message)
        self.field = field


class SigningCredentials(str):
    """The password re-entered to sign, carrying the second-factor code typed beside it (empty for people without
    one): one value, so that each signing service hands both on to ``record_sign`` as its ``password``."""

    code: str

    def __new__(cls, password: str, *, code: str = "") -> SigningCredentials:
        credentials = super().__new__(cls, password)
        credentials.code = code
        return credentials


__all__ = [
    "SignatureRefused", "SigningCredentials", "content_sha256", "record_sign", "signature_is_valid",
    "signing_locked_until",
]
R = TypeVar("R", bound=SignedRecord)


def signing_locked_until(user: User) -> dt.datetime | None:
    """When signing unlocks for ``user``, or None when they may sign."""
    lock = SigningLock.objects.filter(user=user, locked_until__gt=timezone.now()).first()
    return lock.locked_until if lock else None


def signature_sign(
    *, obj: models.Model, content: str, title: str, signer: User, password: str, meaning: str
) -> ElectronicSignature:
    """Sign ``content`` (the exact text of ``obj`` being approved, called ``title``) as ``signer`` after checking
    the password; the signature is sealed over all it attests.

    Raises ``SignatureRefused`` when signing is locked or the password is wrong. The refusal is written
    to the audit trail: callers must let their transaction commit (``record_sign`` does), so that
    repeated wrong passwords are counted.
    """
    locked_until = signing_locked_until(signer)
    if locked_until is not None:
        with audit_context(actor=signer):
            audit_step(obj, step="signature refused", reason="signing locked after repeated wrong passwords")
        raise SignatureRefused(
            f"Signing is locked after repeated wrong passwords until {timezone.localtime(locked_until):%H:%M}."
        )
    if not signer.check_password(password):
        _record_failure(obj=obj, signer=signer)
        raise SignatureRefused("That password is not right. Nothing was signed.")
    code = getattr(password, "code", "")
    if has_second_factor(signer) and code_check(signer, code) is None:
        if code_used_already(signer, code):  # not a guess: no step towards the lock
            raise SignatureRefused(
                "That code was used already (to sign in, perhaps): a code works once. Wait for the next one in "
                "your app. Nothing was signed.",
                field="code",
            )
        _record_failure(obj=obj, signer=signer, what="wrong second-factor code")
        raise SignatureRefused("That code is not right. Nothing was signed.", field="code")
    SigningLock.objects.filter(user=signer).delete()
    attested = {
        "record_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "signer_id": signer.pk,
        "printed_name": signer.get_full_name(),
        "signer_username": signer.get_username(),
        "meaning": meaning,
        "signed_at": timezone.now(),
        "content_sha256": content_sha256(content),
    }
    seal = signature_seal(**attested, title=title)
    with audit_context(actor=signer):
        return ElectronicSignature.objects.create(**attested, seal=seal)


def record_sign(
    *,
    record: R,
    password: str,
    expected_sha256: str,
    meaning: str,
    by: User,
    check: Callable[[R], None],
    changed: Callable[[R], StepRefused],
    step: str,
    reason: str,
    apply: Callable[[R], None] | None = None,
    signature_field: str | None = None,
) -> R:
    """Sign ``record`` as ``by``, who re-entered ``password`` and was shown content hashing to ``expected_sha256``.

    The record is re-read under a row lock and ``check`` (the record's own step check) runs on it; if its
    content changed since the signer read it, ``changed(record)`` is raised and nothing is signed. Once
    signed, ``apply`` makes the record's own changes (its status), the record is saved and the audit trail
    gets ``step`` with ``reason``. A wrong password signs nothing but is recorded in the audit trail: the
    ``SignatureRefused`` is raised only after this function's transaction committed that record, and the
    view answers it on the form (not raised further, or the request's transaction would roll it back).

    ``signature_field`` names a second signature of the record (a withdrawal beside the approval), when the
    record's own ``signature_field`` is not the one this signature goes in.
    """
    refused = None
    with transaction.atomic():
        record = type(record)._default_manager.select_for_update().get(pk=record.pk)
        check(record)
        content = record.signed_content()
        if content_sha256(content) != expected_sha256:
            raise changed(record)
        try:
            signature = signature_sign(
                obj=record, content=content, title=record.signed_title(), signer=by, password=password, meaning=meaning
            )
        except SignatureRefused as exc:
            refused = exc
        else:
            setattr(record, signature_field or record.signature_field, signature)
            if apply is not None:
                apply(record)
            with audit_context(actor=by):
                record.save()
                audit_step(record, step=step, reason=reason)
    if refused is not None:
        raise refused
    return record


def _record_failure(*, obj: models.Model, signer: User, what: str = "wrong password") -> None:
    # Kept only if the caller's transaction commits: views catch SignatureRefused and show the form again.
    with transaction.atomic():
        lock, _ = SigningLock.objects.select_for_update().get_or_create(user=signer)
        lock.failures += 1
        locks_now = lock.failures >= settings.SIGNING_FAILURE_LIMIT
        if locks_now:
            lock.failures = 0
            lock.locked_until = timezone.now() + dt.timedelta(minutes=settings.SIGNING_LOCKOUT_MINUTES)
        lock.save()
        with audit_context(actor=signer):
            reason = what + (": signing locked" if locks_now else "")
            audit_step(obj, step="signature refused", reason=reason)
    if locks_now:
        transaction.on_commit(lambda: _tell_quality_managers(signer=signer, obj=obj))


def _tell_quality_managers(*, signer: User, obj: models.Model) -> None:
    recipients = list(
        get_user_model().objects.filter(groups__name=PortalRole.QUALITY_MANAGER, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        log.warning("signing locked for %s, and no quality manager has an email address", signer)
        return
    send_mail(
        subject=f"Signing locked for {signer.get_full_name()}",
        message=(
            f"{signer.get_full_name()} gave a wrong password {settings.SIGNING_FAILURE_LIMIT} times in a row "
            f"while signing {obj}. Signing is locked for them for {settings.SIGNING_LOCKOUT_MINUTES} minutes.\n\n"
            "If this was not them, their account may be at risk: check with them and reset their password."
        ),
        from_email=None,
        recipient_list=recipients,
    )
