"""Celery tasks of the shared core. Tasks take ids, never model instances."""
import logging
from urllib.parse import urlsplit

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from qms_portal.accounts import invitations_waiting, sessions_clear_expired
from qms_portal.audit import audit_anchor_record, audit_verify
from qms_portal.jobs import job_progress, job_start, job_task, jobs_fail_lost
from qms_portal.models import Invitation, Job, Organisation, User
from qms_portal.notifications import digest_due, digest_send, reminders_sweep
from qms_portal.outbox import outbox_send

log = logging.getLogger(__name__)


@shared_task(name="qms_portal.tasks.verify_audit_trail")
@job_task
def verify_audit_trail(job_id: int) -> dict:
    """Walk the audit chain for the job ``job_id``, compare it with the anchors, and store what was found, with the
    head it saw; an intact head is anchored (``AuditAnchor``)."""
    result = audit_verify(
        progress=lambda done, total: job_progress(job_id, done=done, total=total, note=f"{done:,} of {total:,}"),
    )
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    who = job.requested_by.get_full_name() if job.requested_by else ""
    audit_anchor_record(
        result=result,
        source=f"verification job #{job_id}, started by {who}" if who else f"the nightly verification (job #{job_id})",
    )
    return {
        "ok": result.ok,
        "checked": result.checked,
        "bad_entry_id": result.bad_entry_id,
        "problem": result.problem,
        "head_id": result.head.entry_id if result.head else None,
        "head_hash": result.head.hash if result.head else None,
    }


@shared_task(name="qms_portal.tasks.verify_audit_trail_nightly")
def verify_audit_trail_nightly() -> None:
    """The scheduled check: start a verification job so its outcome is kept beside the manual ones."""
    job_start(kind="verify_audit_trail")


@shared_task(name="qms_portal.tasks.send_invitation")
def send_invitation(invitation_id: int) -> None:
    """Email the invitation ``invitation_id``: a one-time link to set a password (Django's reset token)."""
    _invitation_deliver(invitation_id)


@shared_task(name="qms_portal.tasks.send_password_reset")
def send_password_reset(person_id: int, portal_url: str) -> None:
    """Email the person ``person_id`` the link to choose a new password that was asked for on the portal at
    ``portal_url``, in Django's reset e-mail (the templates the reset page names)."""
    person = User.objects.filter(pk=person_id, is_active=True).exclude(email="").first()
    if person is None or not person.has_usable_password():
        return
    address = urlsplit(portal_url)
    context = {
        "email": person.email,
        "domain": address.netloc,
        "site_name": address.netloc,
        "uid": urlsafe_base64_encode(force_bytes(person.pk)),
        "user": person,
        "token": default_token_generator.make_token(person),
        "protocol": address.scheme,
    }
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    send_mail(
        subject=subject,
        message=render_to_string("registration/password_reset_email.txt", context),
        html_message=render_to_string("registration/password_reset_email.html", context),
        from_email=None,
        recipient_list=[person.email],
    )


@shared_task(name="qms_portal.tasks.send_waiting_invitations")
def send_waiting_invitations() -> None:
    """The sweep: send the invitations that waited while the task queue was down, or whose sending failed."""
    for invitation_id in invitations_waiting():
        try:
            _invitation_deliver(invitation_id)
        except Exception:  # one refused address does not hold up the others; it is tried again next time
            log.exception("invitation %s could not be sent", invitation_id)


def _invitation_deliver(invitation_id: int) -> None:
    # Claimed first, so that a task delivered twice, or the sweep beside it, sends it once.
    if not Invitation.objects.filter(pk=invitation_id, sent_at=None).update(sent_at=timezone.now()):
        return
    invitation = Invitation.objects.select_related("person").get(pk=invitation_id)
    person = invitation.person
    if not person.is_active or not person.email:
        log.warning("invitation %s not sent: its person is deactivated or has no email address", invitation_id)
        return
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    })
    organisation = Organisation.current()
    context = {"person": person, "link": invitation.portal_url.rstrip("/") + path, "organisation": organisation}
    try:
        send_mail(
            subject=f"Your account on the {organisation} QMS portal",
            message=render_to_string("registration/invitation_email.txt", context),
            html_message=render_to_string("registration/invitation_email.html", context),
            from_email=None,
            recipient_list=[person.email],
        )
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise


@shared_task(name="qms_portal.tasks.fail_lost_jobs")
def fail_lost_jobs() -> None:
    """The scheduled sweep: no job stays "running" or "queued" for ever when its worker is gone."""
    count = jobs_fail_lost()
    if count:
        log.warning("marked %s lost job(s) failed", count)


@shared_task(name="qms_portal.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """The scheduled clean-up of expired sessions and of the session records of people who signed out."""
    sessions_clear_expired()


@shared_task(name="qms_portal.tasks.send_reminders")
def send_reminders() -> None:
    """The sweep every 15 minutes: claim each reminder due once, then send the outbox."""
    made = reminders_sweep()
    if made:
        log.info("reminders: %s made", len(made))
    outbox_send()


@shared_task(name="qms_portal.tasks.send_outbox")
def send_outbox() -> None:
    """Send the e-mails waiting in the outbox: after each commit that wrote some, and every minute for the retries
    and for what waited while Redis was down."""
    result = outbox_send()
    if result.sent or result.failed or result.retried:
        log.info("outbox: %s sent, %s failed, %s to try again", result.sent, result.failed, result.retried)


@shared_task(name="qms_portal.tasks.send_digests")
def send_digests() -> None:
    """Hourly; at the digest's hour of the organisation's day, one e-mail per person with their digest reminders.
    Run twice in that hour, the second finds every notification digested already and sends nothing."""
    if not digest_due():
        return
    written = digest_send()
    if written:
        log.info("digests: %s written", written)
        outbox_send()
