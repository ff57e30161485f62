"""URLs of leadership (5.1): commitments and evidence, management reviews, actions and quality objectives."""
from django.urls import path

from leadership.views import actions, dashboard, evidence, evidence_packs, objectives, overview, readiness, reviews

app_name = "leadership"

urlpatterns = [
    # The executive dashboard for top management and the quality manager (leadership/views/dashboard.py)
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # Top management's page (leadership/views/overview.py)
    path("leadership/", overview.leadership_home, name="leadership_home"),
    # Clause 5 readiness (leadership/views/readiness.py)
    path("leadership/readiness/", readiness.readiness_page, name="readiness"),
    path("leadership/readiness/thresholds/", readiness.readiness_settings, name="readiness_settings"),
    # Evidence packs for auditors, and the page that verifies a copy (leadership/views/evidence_packs.py)
    path("leadership/evidence-packs/", evidence_packs.pack_list, name="pack_list"),
    path("leadership/evidence-packs/<int:pk>/", evidence_packs.pack_detail, name="pack_detail"),
    path("leadership/evidence-packs/<int:pk>/download/", evidence_packs.pack_download, name="pack_download"),
    path("leadership/evidence-packs/<int:pk>/cancel/", evidence_packs.pack_cancel_view, name="pack_cancel"),
    path("verify/", evidence_packs.pack_verify_page, name="pack_verify"),
    # Commitments and the evidence of what leaders did (leadership/views/evidence.py)
    path("leadership/commitments/", evidence.commitment_list, name="commitment_list"),
    path("leadership/commitments/<str:code>/", evidence.commitment_detail, name="commitment_detail"),
    path("leadership/commitments/<str:code>/edit/", evidence.commitment_edit, name="commitment_edit"),
    path("leadership/evidence/", evidence.evidence_list, name="evidence_list"),
    path("leadership/evidence/new/", evidence.evidence_create, name="evidence_create"),
    path("leadership/evidence/<int:pk>/", evidence.evidence_detail, name="evidence_detail"),
    path("leadership/attachments/<int:pk>/", evidence.attachment_download, name="attachment_download"),
    # Management reviews, 9.3 (leadership/views/reviews.py)
    path("leadership/reviews/", reviews.review_list, name="review_list"),
    path("leadership/reviews/new/", reviews.review_create, name="review_create"),
    path("leadership/reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
    path("leadership/reviews/<int:pk>/edit/", reviews.review_edit, name="review_edit"),
    path("leadership/reviews/<int:pk>/inputs/<str:code>/", reviews.review_input_edit, name="review_input_edit"),
    path("leadership/reviews/<int:pk>/attendance/", reviews.review_attendance, name="review_attendance"),
    path("leadership/reviews/<int:pk>/hold/", reviews.review_hold, name="review_hold"),
    path("leadership/reviews/<int:pk>/decisions/new/", reviews.review_decision_create, name="review_decision_create"),
    path("leadership/reviews/<int:pk>/close/", reviews.review_close, name="review_close"),
    path("leadership/reviews/<int:pk>/sign/", reviews.review_sign, name="review_sign"),
    path("leadership/reviews/<int:pk>/calendar.ics", reviews.review_ics, name="review_ics"),
    path("leadership/reviews/<int:pk>/minutes.pdf", reviews.review_minutes_pdf, name="review_minutes_pdf"),
    # Actions (leadership/views/actions.py)
    path("leadership/actions/", actions.action_list, name="action_list"),
    path("leadership/actions/mine/", actions.my_actions, name="my_actions"),
    path("leadership/actions/new/", actions.action_create, name="action_create"),
    path("leadership/actions/<int:pk>/", actions.action_detail, name="action_detail"),
    path("leadership/actions/<int:pk>/edit/", actions.action_edit, name="action_edit"),
    path("leadership/actions/<int:pk>/status/", actions.action_status, name="action_status"),
    path("leadership/actions/<int:pk>/notes/", actions.action_note_add, name="action_note_add"),
    # Quality objectives, 6.2 (leadership/views/objectives.py)
    path("leadership/objectives/", objectives.objective_list, name="objective_list"),
    path("leadership/objectives/new/", objectives.objective_create, name="objective_create"),
    path("leadership/objectives/<int:pk>/", objectives.objective_detail, name="objective_detail"),
    path("leadership/objectives/<int:pk>/edit/", objectives.objective_edit, name="objective_edit"),
    path(
        "leadership/objectives/<int:pk>/measurements/new/",
        objectives.measurement_create,
        name="measurement_create",
    ),
]
