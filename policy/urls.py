"""URLs of the quality policy (5.2). Versions are addressed by document reference and version number."""
from django.urls import path

from policy.views import acknowledgements, diff, documents, public, reviews, versions

app_name = "policy"

urlpatterns = [
    # Documents and their versions' lifecycle (policy/views/documents.py, versions.py)
    path("policies/", documents.policy_list, name="policy_list"),
    path("policies/new/", documents.policy_create, name="policy_create"),
    path("policies/<slug:reference>/", documents.policy_detail, name="policy_detail"),
    path("policies/<slug:reference>/settings/", documents.policy_settings, name="policy_settings"),
    path("policies/<slug:reference>/versions/new/", versions.version_create, name="version_create"),
    path("policies/<slug:reference>/v<int:number>/", versions.version_detail, name="version_detail"),
    path("policies/<slug:reference>/v<int:number>/edit/", versions.version_edit, name="version_edit"),
    path("policies/<slug:reference>/v<int:number>/submit/", versions.version_submit, name="version_submit"),
    path("policies/<slug:reference>/v<int:number>/return/", versions.version_return, name="version_return"),
    path("policies/<slug:reference>/v<int:number>/approve/", versions.version_approve, name="version_approve"),
    path("policies/<slug:reference>/v<int:number>/publish/", versions.version_publish, name="version_publish"),
    path("policies/<slug:reference>/v<int:number>/withdraw/", versions.version_withdraw, name="version_withdraw"),
    path(
        "policies/<slug:reference>/v<int:number>/withdraw/sign/",
        versions.version_withdraw_sign,
        name="version_withdraw_sign",
    ),
    path("policies/<slug:reference>/v<int:number>/preview/", versions.version_preview, name="version_preview"),
    # Periodic review of the version in force (policy/views/reviews.py)
    path("policies/<slug:reference>/v<int:number>/review/", reviews.review_create, name="review_create"),
    path(
        "policies/<slug:reference>/v<int:number>/reviews/<int:pk>/sign/", reviews.review_sign, name="review_sign"
    ),
    # Acknowledgements (policy/views/acknowledgements.py)
    path(
        "policies/<slug:reference>/v<int:number>/acknowledge/",
        acknowledgements.version_acknowledge,
        name="version_acknowledge",
    ),
    path(
        "policies/<slug:reference>/v<int:number>/acknowledgements/",
        acknowledgements.campaign_report_page,
        name="campaign_report",
    ),
    path(
        "policies/<slug:reference>/v<int:number>/acknowledgements.csv",
        acknowledgements.campaign_report_csv,
        name="campaign_report_csv",
    ),
    # Diff and public availability (policy/views/versions.py diff, policy/views/public.py)
    path("policies/<slug:reference>/diff/", diff.version_diff, name="version_diff"),
    path("public/policies/<slug:reference>/", public.public_policy, name="public_policy"),
    path("public/policies/<slug:reference>.pdf", public.public_policy_pdf, name="public_policy_pdf"),
]
