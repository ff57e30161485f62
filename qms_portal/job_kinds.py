"""The kinds of background job the portal knows: the core's own, and those apps register from ``ready()``.

Apart from ``qms_portal.jobs`` so that the ``Job`` model can name its kind without importing the code that runs jobs.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is called, which task runs it, who may start and follow it, and the page (URL name,
    taking no arguments) that its job page links back to."""

    label: str
    task: str
    capability: str
    back_url_name: str = ""
    back_label: str = ""
    # Without Redis, tasks run in-process where they are sent: in the request, which then waits for the job.
    # A long job (an evidence pack) runs in a thread of its own instead, so its page can show progress.
    in_process_thread: bool = False
    # May be cancelled by the person following it.
    cancellable: bool = False


JOB_KINDS: dict[str, JobKind] = {
    "verify_audit_trail": JobKind(
        "Audit trail verification",
        "qms_portal.tasks.verify_audit_trail",
        "qms_portal.view_audit_trail",
        back_url_name="audit_trail",
        back_label="Back to the audit trail",
    ),
}


def job_kind_register(name: str, kind: JobKind) -> None:
    """Make a kind of job known to the core; apps call this for their own jobs, since the core imports no app.

    Registering the same kind again is harmless; a different kind under a name already taken is an error.
    """
    known = JOB_KINDS.get(name)
    if known is not None and known != kind:
        raise ValueError(f"The job kind {name!r} is already registered as {known}.")
    JOB_KINDS[name] = kind
