"""Celery tasks of roles (5.3). Tasks take ids, never model instances.

``RolesConfig.ready`` calls ``register_job_kinds`` in every process, web and worker alike.
"""
from celery import shared_task

from qms_portal.job_kinds import JobKind, job_kind_register
from qms_portal.jobs import JobRefused, job_progress, job_task
from roles.access import RolesCapability
from roles.transfer import RACI_IMPORT_JOB, ImportRefused, matrix_import_apply


def register_job_kinds() -> None:
    """Tell the core about the roles jobs: who may start and follow them, and where their page leads back."""
    job_kind_register(
        RACI_IMPORT_JOB,
        JobKind(
            "RACI matrix import",
            "roles.tasks.raci_import_apply",
            RolesCapability.MANAGE,
            back_url_name="roles:raci_matrix",
            back_label="Back to the RACI matrix",
        ),
    )



@shared_task(name="roles.tasks.raci_import_apply")
@job_task
def raci_import_apply(job_id: int) -> dict:
    """Apply the confirmed RACI matrix import of the job ``job_id``, all or nothing."""

    def progress(done: int, total: int, note: str) -> None:
        job_progress(job_id, done=done, total=total, note=note)

    try:
        return matrix_import_apply(job_id=job_id, progress=progress)
    except ImportRefused as refusal:
        raise JobRefused(str(refusal)) from refusal
