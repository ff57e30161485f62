"""URLs of roles and responsibilities (5.3): roles, the org chart, processes, the RACI matrix, duties."""
from django.urls import path

from roles.views import duties, matrix, org_chart, processes, roles, transfer

app_name = "roles"

urlpatterns = [
    # Roles, their holders and acknowledgements (roles/views/roles.py)
    path("roles/", roles.role_list, name="role_list"),
    path("roles/new/", roles.role_create, name="role_create"),
    path("roles/mine/", roles.my_roles, name="my_roles"),
    path("roles/<int:pk>/", roles.role_detail, name="role_detail"),
    path("roles/<int:pk>/edit/", roles.role_edit, name="role_edit"),
    path("roles/<int:pk>/acknowledge/", roles.role_acknowledge, name="role_acknowledge"),
    path("roles/<int:pk>/assignments/new/", roles.assignment_create, name="assignment_create"),
    path("roles/assignments/<int:pk>/edit/", roles.assignment_edit, name="assignment_edit"),
    # The org chart (roles/views/org_chart.py)
    path("roles/org-chart/", org_chart.org_chart, name="org_chart"),
    # The 5.3 a-e duties (roles/views/duties.py)
    path("roles/duties/", duties.duty_list, name="duty_list"),
    path("roles/duties/<str:code>/", duties.duty_edit, name="duty_edit"),
    # Processes and their activities (roles/views/processes.py)
    path("roles/processes/", processes.process_list, name="process_list"),
    path("roles/processes/new/", processes.process_create, name="process_create"),
    path("roles/processes/<slug:code>/", processes.process_detail, name="process_detail"),
    path("roles/processes/<slug:code>/edit/", processes.process_edit, name="process_edit"),
    path("roles/processes/<slug:code>/activities/new/", processes.activity_create, name="activity_create"),
    path("roles/activities/<int:pk>/edit/", processes.activity_edit, name="activity_edit"),
    path("roles/activities/<int:pk>/move/", processes.activity_move, name="activity_move"),
    path("roles/activities/<int:pk>/delete/", processes.activity_delete, name="activity_delete"),
    # The RACI matrix and its health (roles/views/matrix.py)
    path("roles/matrix/", matrix.raci_matrix, name="raci_matrix"),
    path("roles/matrix/editing/", matrix.raci_editing, name="raci_editing"),
    path("roles/matrix/cell/<int:activity>/<int:role>/", matrix.raci_cell, name="raci_cell"),
    path("roles/matrix/health/", matrix.raci_health, name="raci_health"),
    # Export and import of the matrix (roles/views/transfer.py)
    path("roles/matrix.csv", transfer.raci_export_csv, name="raci_export_csv"),
    path("roles/matrix.xlsx", transfer.raci_export_xlsx, name="raci_export_xlsx"),
    path("roles/matrix/import/", transfer.raci_import, name="raci_import"),
    path("roles/matrix/import/<int:pk>/", transfer.raci_import_preview, name="raci_import_preview"),
]
