"""A person's notifications: the list under the bell, opening one (read, then its record), marking them read, and
how each kind of reminder reaches them."""
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import login_only
from qms_portal.http import SignedInRequest
from qms_portal.models import Notification
from qms_portal.notifications import (
    ReminderKind,
    notification_preferences_for,
    notification_preferences_save,
    notification_read,
    notifications_read_all,
    reminder_kinds_reaching,
)
from qms_portal.pagination import paginate, querystring_without_page


def _own(request: SignedInRequest, pk: int) -> Notification:
    """The person's own notification; another's is answered as not found, so its existence is not told."""
    notification = Notification.objects.filter(pk=pk, recipient=request.user).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


@login_only
@require_safe
def notifications(request: SignedInRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    rows = Notification.objects.filter(recipient=request.user)
    if unread_only:
        rows = rows.filter(read_at=None)
    page = paginate(request, rows)
    return render(request, "qms_portal/notifications.html", {
        "page": page,
        "querystring": querystring_without_page(request),
        "unread_only": unread_only,
        # Only for the empty page: whether anything can come here at all (an auditor is sent nothing).
        "reachable": bool(page.object_list) or bool(reminder_kinds_reaching(request.user)),
    })


@login_only
def notification_open(request: SignedInRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    if request.method not in ("GET", "HEAD"):  # checked after the lookup: a refusal never hints another's exists
        return HttpResponseNotAllowed(["GET", "HEAD"])
    notification_read(notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        return redirect("notifications")
    return redirect(target)


@login_only
def notification_mark_read(request: SignedInRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    notification_read(notification=notification)
    return redirect("notifications")


@login_only
@require_POST
def notifications_mark_all_read(request: SignedInRequest) -> HttpResponse:
    count = notifications_read_all(person=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read." if count else
                     "Every notification was read already.")
    return redirect("notifications")


DEADLINE_HELP = "Has a deadline: it may go to the daily digest, not be switched off."


class PreferencesForm(forms.Form):
    """One choice per kind of reminder that can reach the person (a kind posted for another is ignored); a kind with
    a deadline offers no "portal only". A kind left out of the post keeps its channel."""

    def __init__(self, *args: object, kinds: list[ReminderKind], initial_channels: dict[str, str],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kinds = kinds
        for kind in kinds:
            self.fields[kind.name] = forms.ChoiceField(
                label=kind.label,
                choices=kind.channels(),
                required=False,
                initial=initial_channels.get(kind.name),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=DEADLINE_HELP if kind.deadline else "",
                error_messages={"invalid_choice": (
                    "This reminder carries a deadline: it cannot be switched off. Choose e-mail now or the daily "
                    "digest." if kind.deadline else "Choose one of the ways offered."
                )},
            )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their kind's group, in the kinds' order (by group, then label)."""
        grouped: dict[str, list[forms.BoundField]] = {}
        for kind in self.kinds:
            grouped.setdefault(kind.group, []).append(self[kind.name])
        return list(grouped.items())


@login_only
def notification_preferences(request: SignedInRequest) -> HttpResponse:
    reaching = notification_preferences_for(request.user)
    current = {kind.name: channel for kind, channel in reaching}
    form = PreferencesForm(request.POST if request.method == "POST" else None, kinds=[kind for kind, _ in reaching],
                           initial_channels=current)
    if request.method == "POST" and form.is_valid():
        chosen = {name: value for name, value in form.cleaned_data.items() if value}
        notification_preferences_save(person=request.user, channels=chosen)
        messages.success(request, "Your choices are saved.")
        return redirect("notification_preferences")
    return render(request, "qms_portal/notification_preferences.html", {"form": form})
