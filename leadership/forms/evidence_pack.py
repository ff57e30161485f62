"""The forms of the evidence pack: asking for one (period and scope), and checking a copy on the verify page."""
from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from leadership.evidence_pack.building import PackRefused, pack_period_check
from leadership.evidence_pack.period import SCOPE_CHOICES, PackPeriod
from qms_portal.forms import date_input

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class EvidencePackForm(forms.Form):
    """A period (the last 12 months by default) and a scope (the whole of Clause 5 by default)."""

    start = forms.DateField(label="From", widget=date_input())
    end = forms.DateField(label="To", widget=date_input(), help_text="Both days are included.")
    scope = forms.ChoiceField(label="Requirements", choices=SCOPE_CHOICES, initial="5", widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = PackPeriod.default()
        self.fields["start"].initial = default.start
        self.fields["end"].initial = default.end

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end"):
            try:
                pack_period_check(self.period)
            except PackRefused as refusal:
                raise ValidationError(refusal.message) from refusal
        return data

    @property
    def period(self) -> PackPeriod:
        return PackPeriod.of(self.cleaned_data["start"], self.cleaned_data["end"])


class VerifyForm(forms.Form):
    """A PDF to check, or the SHA-256 of one (as ``sha256sum`` prints it)."""

    file = forms.FileField(label="The PDF", required=False,
                           help_text=f"At most {settings.EVIDENCE_VERIFY_MAX_MB} MB. It is not kept.")
    sha256 = forms.CharField(label="Or its SHA-256", required=False, max_length=200,
                             help_text="64 hexadecimal characters, as sha256sum or Get-FileHash print it.")

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload passed the limit and was not read to its end

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if self.too_large or (upload is not None and upload.size > settings.EVIDENCE_VERIFY_MAX_MB * 1024 * 1024):
            raise ValidationError(f"The file is larger than {settings.EVIDENCE_VERIFY_MAX_MB} MB: no pack is that big.")
        return upload

    def clean_sha256(self) -> str:
        """The hash pasted, alone: ``sha256sum`` prints it followed by the file's name."""
        text = self.cleaned_data.get("sha256", "").strip()
        token = text.split()[0].lower() if text else ""
        if token and not _SHA256.match(token):
            raise ValidationError("A SHA-256 is 64 characters, 0-9 and a-f.")
        return token

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.too_large and not data.get("file") and not data.get("sha256"):
            raise ValidationError("Choose the PDF to check, or paste its SHA-256.")
        return data

    def digest(self) -> str:
        """The SHA-256 of the uploaded file (computed as it arrived, ``HashingUploadHandler``), or the one pasted."""
        upload = self.cleaned_data.get("file")
        return str(upload.sha256) if upload is not None else str(self.cleaned_data["sha256"])
