"""URLs of the portal. Every view declares its access (see qms_portal/access.py)."""
from django.urls import include, path

from qms_portal.views import (
    accounts,
    audit,
    floor,
    health,
    home,
    jobs,
    notifications,
    organisation,
    people,
    second_factor,
)

account_patterns = [
    path("login/", accounts.login, name="login"),
    path("logout/", accounts.logout, name="logout"),
    path("password/change/", accounts.password_change, name="password_change"),
    path("password/change/done/", accounts.password_change_done, name="password_change_done"),
    path("password/reset/", accounts.password_reset, name="password_reset"),
    path("password/reset/sent/", accounts.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    path("profile/", accounts.profile, name="profile"),
    path("second-factor/", second_factor.second_factor, name="second_factor"),
    path("second-factor/set-up/", second_factor.second_factor_enrol, name="second_factor_enrol"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("organisation/", organisation.organisation, name="organisation"),
    path("organisation/reminders/", organisation.reminder_schedule, name="reminder_schedule"),
    path("organisation/logo/", organisation.organisation_logo, name="organisation_logo"),
    path("org-units/", organisation.org_units, name="org_units"),
    path("org-units/new/", organisation.org_unit_edit, name="org_unit_create"),
    path("org-units/<int:pk>/edit/", organisation.org_unit_edit, name="org_unit_edit"),
    path("org-units/<int:pk>/delete/", organisation.org_unit_delete, name="org_unit_delete"),
    path("people/", people.people, name="people"),
    path("people/new/", people.person_edit, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/invite/", people.person_invite, name="person_invite"),
    path(
        "people/<int:pk>/second-factor/reset/",
        second_factor.second_factor_reset_view,
        name="second_factor_reset",
    ),
    path("audit/", audit.audit_trail, name="audit_trail"),
    path("audit/export.csv", audit.audit_trail_csv, name="audit_trail_csv"),
    path("audit/verify/", audit.audit_trail_verify, name="audit_trail_verify"),
    path("audit/anchors.json", audit.audit_trail_anchors, name="audit_trail_anchors"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/discard/", jobs.job_discard, name="job_discard"),
    path("health/", health.health, name="health"),
    # The floor page of `make bench`: the layout alone, signed in (qms_portal/views/floor.py).
    path("floor/", floor.floor, name="floor"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read-all/", notifications.notifications_mark_all_read, name="notifications_read_all"),
    path("notifications/preferences/", notifications.notification_preferences, name="notification_preferences"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", notifications.notification_mark_read, name="notification_read"),
    path("", include("policy.urls")),
    path("", include("roles.urls")),
    path("", include("leadership.urls")),
]
