"""Forms of the shared core. Templates render every form with crispy-forms' Bootstrap 5 pack."""
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from PIL import Image, UnidentifiedImageError

from qms_portal.access import PortalRole
from qms_portal.accounts import (
    ACCOUNT_ROLES,
    OWN_ROLES_REFUSED,
    grant_reason_missing,
    password_reset_allowed,
    password_reset_email_send,
    roles_granted,
)
from qms_portal.audit import audited_record_types
from qms_portal.auth import client_ip
from qms_portal.mfa import has_second_factor
from qms_portal.models import Organisation, OrgUnit, User
from qms_portal.reminder_schedule import ScheduleSetting
from qms_portal.signatures import SignatureRefused, SigningCredentials, content_sha256

log = logging.getLogger(__name__)
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}
Signed = TypeVar("Signed")


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST (even an empty one, so that it is validated), or None to show a blank form."""
    return request.POST if request.method == "POST" else None


def date_input() -> forms.DateInput:
    """The browser's date picker; it needs ISO dates whatever the portal's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's password reset form, sending no more than ``PASSWORD_RESETS_PER_HOUR`` e-mails an hour per
    client address and per e-mail. Over the limit it sends nothing and the page answers as always: "if the
    address matches an account, a link is on its way", whether an account has it or not."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        request: HttpRequest | None = kwargs.get("request")
        email = self.cleaned_data["email"]
        if request is not None and not password_reset_allowed(address=client_ip(request), email=email):
            log.warning("password reset not sent: too many asked from %s or for this e-mail", client_ip(request))
            return
        super().save(*args, **kwargs)

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        """Hand each e-mail to the task queue (see ``password_reset_email_send``); its text is the same."""
        context = kwargs["context"] if "context" in kwargs else args[2]
        portal_url = f"{context['protocol']}://{context['domain']}/"
        password_reset_email_send(person=context["user"], portal_url=portal_url)


class LoginForm(AuthenticationForm):
    """Django's log-in form, with one message whether the user name or the password was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That user name and password do not match an active account. Check both and try again.",
        "inactive": "That user name and password do not match an active account. Check both and try again.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"


def code_field(**kwargs: Any) -> forms.CharField:
    """A second-factor code: six digits from the authenticator app (or, where ``label`` says so, a recovery code)."""
    attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none", "spellcheck": "false"}
    return forms.CharField(max_length=20, widget=forms.TextInput(attrs=attrs), **kwargs)


class SecondFactorForm(forms.Form):
    """The step after the password: a code of the person's authenticator app, or one of their recovery codes."""

    code = code_field(
        label="Code",
        help_text="The six-digit code your authenticator app shows now, or one of your recovery codes.",
    )


class EnrolmentForm(forms.Form):
    """Confirms an authenticator app being set up: the code it shows proves it holds the secret."""

    code = code_field(label="Code from the app", help_text="The six-digit code the app shows for this portal.")


class ReasonForm(forms.Form):
    """The "Reason for the change" every change to a controlled record asks for, kept on its trail entries.

    Mix it into the form that makes the change (``class RoleForm(ReasonForm, forms.ModelForm)``) or use it
    alone on a confirmation page. ``reason_required()`` says when the reason must be given (always, unless a
    form narrows it); the view saves inside ``audit_context(actor=..., reason=form.stated_reason)`` so that each entry
    written by the change keeps it.
    """

    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the change",
        help_text="Kept in the audit trail with the change.",
    )
    reason_missing = "Say why this changes: the reason is kept in the audit trail with the change."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self).reason_required is ReasonForm.reason_required:  # always needed: marked so, like any field
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = self.reason_missing

    def reason_required(self) -> bool:
        return True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        missing = not cleaned.get("reason", "").strip() and "reason" not in self.errors
        if "reason" in self.fields and missing and self.reason_required():
            self.add_error("reason", self.reason_missing)
        return cleaned

    @property
    def stated_reason(self) -> str:
        """The reason given, trimmed; empty when none was needed."""
        return str(self.cleaned_data.get("reason", "")).strip()


class OrganisationForm(ReasonForm, forms.ModelForm):
    """The organisation's name, logo, scope, time zone and second-factor rule; turning the rule off or on lifts or
    sets a guard on every account that signs, grants or audits, so it says why."""

    class Meta:
        model = Organisation
        fields = ["name", "logo", "scope_statement", "time_zone", "second_factor_required"]
        widgets = {"scope_statement": forms.Textarea(attrs={"rows": 5})}

    reason_missing = "Say why the second-factor rule changes: the reason is kept in the audit trail."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = (
            f"PNG or JPEG, at most {settings.LOGO_MAX_BYTES // 1024} KB. Shown in the header and on evidence packs."
        )
        self.fields["reason"].help_text = "Needed to change the second-factor rule; kept in the audit trail."

    def reason_required(self) -> bool:
        return "second_factor_required" in self.changed_data

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "content_type"):  # unchanged or cleared
            return logo
        if logo.size > settings.LOGO_MAX_BYTES:
            limit_kb = settings.LOGO_MAX_BYTES // 1024
            raise ValidationError(f"The logo is {logo.size // 1024} KB; the limit is {limit_kb} KB.")
        try:
            with Image.open(logo) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise ValidationError("That file is not a PNG or JPEG image.") from None
        if image_format not in LOGO_FORMATS:
            raise ValidationError("The logo must be a PNG or JPEG image.")
        logo.seek(0)
        logo.name = f"logo.{LOGO_FORMATS[image_format]}"
        return logo


ScheduleGroups = Sequence[tuple[str, Sequence[tuple[Any, Sequence[ScheduleSetting[Any]]]]]]


class ReminderScheduleForm(ReasonForm):
    """The organisation's reminder schedule: one field per setting the registered kinds declare (``groups``, from
    ``notifications.schedule_by_group``), showing the value in use and the default; an empty field goes back to the
    default. A change says why; nothing is saved unless every field is valid."""

    def __init__(self, *args: Any, groups: ScheduleGroups, stored: Mapping[str, object], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        self.settings: dict[str, ScheduleSetting[Any]] = {}
        for _group, kinds in groups:
            for _kind, settings_ in kinds:
                for setting in settings_:
                    self.settings[setting.key] = setting
                    self.fields[setting.key] = forms.CharField(
                        label=setting.label, required=False, max_length=60, initial=setting.text(setting.read(stored)),
                        help_text=f"{setting.help} Default: {setting.text(setting.default)}.",
                    )
        self.fields["reason"].help_text = "Needed to change the schedule; kept in the audit trail."
        self.order_fields([*self.settings, "reason"])

    reason_missing = "Say why the reminder schedule changes: the reason is kept in the audit trail."

    def reason_required(self) -> bool:
        return any(name != "reason" for name in self.changed_data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.values: dict[str, Any] = {}
        for key, setting in self.settings.items():
            raw = str(cleaned.get(key) or "").strip()
            if not raw:  # empty: the default
                self.values[key] = None
                continue
            try:
                self.values[key] = setting.clean(raw)
            except ValidationError as error:
                self.add_error(key, error)
        return cleaned

    def sections(self) -> list[tuple[str, list[tuple[Any, list[forms.BoundField]]]]]:
        """The fields by group and kind, as the page lists them."""
        return [
            (group, [(kind, [self[setting.key] for setting in settings_]) for kind, settings_ in kinds])
            for group, kinds in self.groups
        ]


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = OrgUnit.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk__in=self.instance.descendant_ids())
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        parent.queryset = parents
        parent.empty_label = "(top level)"


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves: their e-mail address. Their full name and job title are
    controlled data, changed by whoever manages people (``PersonForm``), with a reason."""

    class Meta:
        model = User
        fields = ["email"]


class PersonForm(ReasonForm, forms.ModelForm):
    """What a quality manager sets for a person, portal roles included; changing an existing person's name, job
    title or portal roles needs a reason, and so does giving anyone Top management or Quality manager.

    ``editor`` is who fills the form in: nobody changes their own portal roles.
    """

    roles = forms.ModelMultipleChoiceField(
        queryset=Group.objects.filter(name__in=PortalRole.values).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Portal roles",
        help_text="What the person can see and do in the portal. A person may hold several.",
    )

    class Meta:
        model = User
        fields = [
            "username", "full_name", "email", "job_title", "org_unit", "manager", "access_expires_on", "is_active",
        ]
        labels = {"is_active": "Active (can sign in)", "username": "User name"}
        widgets = {"access_expires_on": date_input()}
        help_texts = {
            "username": "Used to sign in. Letters, digits and @ . + - _ only.",
            "is_active": "Untick to sign the person out everywhere and stop them signing in; their records stay.",
        }

    def __init__(self, *args: Any, editor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["full_name"].required = True
        self.fields["email"].required = True
        org_unit = cast(forms.ModelChoiceField, self.fields["org_unit"])
        org_unit.queryset = OrgUnit.objects.order_by("name")
        org_unit.empty_label = "(none)"
        # Anyone active the editor may see, and the manager already set even if deactivated since (the form would
        # otherwise refuse to save the person at all); never the person themselves.
        manager = cast(forms.ModelChoiceField, self.fields["manager"])
        managers = User.objects.filter(is_active=True)
        if editor is not None and not editor.is_superuser:
            managers = managers.filter(is_superuser=False)
        if self.instance.manager_id is not None:
            managers = managers | User.objects.filter(pk=self.instance.manager_id)
        if self.instance.pk is not None:
            managers = managers.exclude(pk=self.instance.pk)
        manager.queryset = managers.order_by("full_name", "username")
        manager.empty_label = "(nobody)"
        self.held_roles: set[str] = set()
        if self.instance.pk:
            held = self.instance.groups.filter(name__in=PortalRole.values)
            self.held_roles = set(held.values_list("name", flat=True))
            self.fields["roles"].initial = self.instance.groups.all()
            self.fields["reason"].help_text = (
                "Needed to change a full name, job title or portal roles (for example a change of name or a "
                "promotion); kept in the audit trail."
            )
            if self.own_record:
                self.fields["roles"].help_text = "Another quality manager changes your portal roles."
        else:  # a new person's name and title are set for the first time: only a privileged role needs a why
            self.fields["reason"].help_text = (
                "Needed when giving Top management or Quality manager; kept in the audit trail with the grant."
            )

    reason_missing = (
        "Say why the full name, job title, portal roles or (for top management, quality managers and auditors) "
        "the e-mail address change: the reason is kept in the audit trail."
    )

    @property
    def own_record(self) -> bool:
        return self.editor is not None and self.instance.pk is not None and self.instance.pk == self.editor.pk

    def wanted_roles(self) -> set[str]:
        return {group.name for group in self.cleaned_data.get("roles") or []}

    def reason_required(self) -> bool:
        if roles_granted(held=self.held_roles, wanted=self.wanted_roles()):
            return True
        # The e-mail of someone who signs, grants or audits is where their password is reset: changing it says why.
        email_of_privileged = "email" in self.changed_data and bool(self.held_roles & set(ACCOUNT_ROLES))
        return bool(self.instance.pk) and (
            bool({"full_name", "job_title"} & set(self.changed_data))
            or self.wanted_roles() != self.held_roles
            or email_of_privileged
        )

    def clean(self) -> dict[str, Any]:
        granted = roles_granted(held=self.held_roles, wanted=self.wanted_roles())
        if granted:
            self.reason_missing = grant_reason_missing(granted)
        super().clean()
        cleaned = self.cleaned_data
        roles = self.wanted_roles()
        if self.own_record and "roles" in cleaned and roles != self.held_roles:
            self.add_error("roles", OWN_ROLES_REFUSED)
        elif PortalRole.AUDITOR in roles and len(roles) > 1:
            self.add_error("roles", "An auditor is independent: give the auditor role on its own.")
        return cleaned

class AuditFilterForm(forms.Form):
    """Filters of the audit trail page; every field is optional."""

    date_from = forms.DateField(required=False, label="From", widget=date_input())
    date_to = forms.DateField(required=False, label="To", widget=date_input())
    # A name to search for, not a list of everyone: the list would hold every person who ever acted.
    actor = forms.CharField(
        required=False,
        label="Person",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Name or user name"}),
    )
    record_type = forms.ChoiceField(required=False, label="Kind of record")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["record_type"]).choices = [("", "All kinds"), *audited_record_types()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class SignatureForm(forms.Form):
    """The electronic signature: the signer re-enters their password to sign ``content`` as they were shown it, and
    the code of their second factor when they have one (the signing service checks both).

    The hash of that content rides along, so that content changed since the page was opened is not signed.
    """

    content_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        help_text="The same password you sign in with. Entering it is your electronic signature.",
    )

    def __init__(self, data: QueryDict | None = None, *, content: str, signer: User) -> None:
        super().__init__(data, initial={"content_sha256": content_sha256(content)})
        if has_second_factor(signer):
            self.fields["code"] = code_field(
                label="Code from your authenticator app",
                help_text="Signing asks for your second factor again: the six-digit code, or a recovery code.",
            )

    def sign_with(self, sign: Callable[[str, str], Signed]) -> Signed | None:
        """What ``sign(password, expected_sha256)`` returns once the posted form is valid; None for a blank or
        invalid form, or a refused signature, whose reason then stands on the password field.

        A refusal is answered, not raised: the signing service recorded the refused attempt, and that record must
        commit with the request.
        """
        if not self.is_bound or not self.is_valid():
            return None
        credentials = SigningCredentials(self.cleaned_data["password"], code=self.cleaned_data.get("code", ""))
        try:
            return sign(credentials, self.cleaned_data["content_sha256"])
        except SignatureRefused as refused:
            self.add_error(refused.field if refused.field in self.fields else "password", str(refused))
            return None
