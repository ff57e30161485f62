"""The form of the RACI matrix import: it takes the file; roles/transfer.py reads and checks it."""
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from qms_portal.forms import ReasonForm
from roles.transfer import EMPTY_FILE, import_size_problem


class MatrixImportForm(ReasonForm, forms.Form):
    """The uploaded file, refused here only when it is empty or too large to read, and why it is imported (kept
    on the import and on the trail entry of every letter it writes)."""

    file = forms.FileField(
        label="Matrix file",
        error_messages={"required": "Choose the CSV or XLSX file to import.", "empty": EMPTY_FILE},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    field_order = ["file", "reason"]
    reason_missing = "Say why the matrix is imported: the reason is kept in the audit trail with each letter it sets."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = (
            "Such as “Yearly review of the matrix with the process owners”. Kept with the import and in the audit "
            "trail with each letter it sets."
        )
        limit_kb = settings.RACI_IMPORT_MAX_BYTES // 1024
        size = f"{limit_kb // 1024} MB" if limit_kb >= 1024 else f"{limit_kb} KB"
        self.fields["file"].help_text = f"CSV (UTF-8) or XLSX, at most {size}."

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        problem = import_size_problem(upload.size or 0)  # known: the field refuses a file without content
        if problem:
            raise ValidationError(problem)
        return upload
