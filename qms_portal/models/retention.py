"""Records that must be kept: the one mechanism that refuses to delete them, one by one or in bulk.

A model inherits ``RetainedRecord`` and takes a manager built on ``RetainedQuerySet`` (``RetainedManager``, or the
queryset mixed into its own). Both refuse with ``RecordRetained``: the row's ``delete()`` and the queryset's
``delete()``, which bypasses it; a deleted parent's cascade is refused as well. ``is_retained()`` and
``retained_rows()`` narrow which rows are kept when only some are (signed records are kept once signed,
``SignedRecord`` and ``SignedQuerySet``). People retire or withdraw such records instead; on PostgreSQL the records
kept by law are guarded by a trigger as well (``qms_portal`` migration 0014).
"""
from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models.signals import pre_delete

from qms_portal.models.audit import AuditedQuerySet


class RecordRetained(Exception):
    """Raised on an attempt to delete a record that must be kept (an acknowledgement, a signature, evidence...)."""


class RetainedQuerySet(AuditedQuerySet):
    """Refuses a bulk delete that would remove a retained row (every retained record is audited, so its other bulk
    writes are refused already). Every row is retained unless ``retained_rows()`` is narrowed; ``refusal`` is the
    exception raised."""

    refusal: ClassVar[type[Exception]] = RecordRetained

    def retained_rows(self) -> models.QuerySet:
        """The rows of this queryset that must be kept."""
        return self

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.retained_rows().exists():
            raise self.refusal(
                f"{str(self.model._meta.verbose_name_plural).capitalize()} are kept as records: they cannot be "
                "deleted."
            )
        return super().delete()


RetainedManager = models.Manager.from_queryset(RetainedQuerySet)


class RetainedRecord(models.Model):
    """A record that is never deleted once ``is_retained()`` (always, unless a subclass narrows it); retire or
    withdraw it instead. Its ``delete()`` refuses, and so does ``_refuse_cascade``, a ``pre_delete`` receiver, for
    a row a cascade from another record would remove."""

    retained_because: ClassVar[str] = "it is a record that must be kept"
    refusal: ClassVar[type[Exception]] = RecordRetained

    class Meta:
        abstract = True

    def is_retained(self) -> bool:
        """Whether this row must be kept (every row, unless a subclass says otherwise)."""
        return self.pk is not None

    def retained_refusal(self) -> Exception:
        return self.refusal(
            f"{str(self._meta.verbose_name).capitalize()} “{self}” cannot be deleted: {self.retained_because}."
        )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_retained():
            raise self.retained_refusal()
        return super().delete(*args, **kwargs)


def _refuse_cascade(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    # Every delete passes here, cascades and bulk deletes included (a receiver on pre_delete also stops Django's
    # fast delete, which would skip it).
    if isinstance(instance, RetainedRecord) and instance.is_retained():
        raise instance.retained_refusal()


pre_delete.connect(_refuse_cascade, dispatch_uid="retention_refuse_cascade")
