"""Export of the RACI matrix to CSV and XLSX, and its import: upload, check, preview, confirm (a job applies it)."""
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from qms_portal.access import requires
from qms_portal.exports import csv_response
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate
from roles.access import RolesCapability
from roles.forms.transfer import MatrixImportForm
from roles.models import MatrixImport
from roles.transfer import (
    XLSX_CONTENT_TYPE,
    ImportRefused,
    ImportRejected,
    export_filename,
    matrix_import_confirm,
    matrix_import_create,
    matrix_import_discard,
    matrix_import_preview,
    matrix_table,
    matrix_xlsx,
)

RECENT_IMPORTS = 10
ACTIVITIES_PER_PAGE = 50


@requires(RolesCapability.VIEW)
@require_safe
def raci_export_csv(request: SignedInRequest) -> StreamingHttpResponse:
    """The whole matrix as CSV (UTF-8 with a byte order mark, so that Excel opens it right)."""
    table = matrix_table()
    return csv_response(export_filename("csv"), table.header, table.rows)


@requires(RolesCapability.VIEW)
@require_safe
def raci_export_xlsx(request: SignedInRequest) -> HttpResponse:
    """The whole matrix as an Excel workbook."""
    response = HttpResponse(matrix_xlsx(matrix_table()), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename("xlsx")}"'
    return response


@requires(RolesCapability.MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def raci_import(request: SignedInRequest) -> HttpResponse:
    """Upload a matrix file; it is checked whole, and kept for a preview only when every row is valid."""
    form = MatrixImportForm(posted(request), request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            matrix_import = matrix_import_create(
                file_name=upload.name, content=upload.read(), by=request.user, reason=form.stated_reason
            )
        except ImportRejected as rejection:
            rejected = rejection
        else:
            return redirect("roles:raci_import_preview", pk=matrix_import.pk)
    recent = MatrixImport.objects.select_related("uploaded_by", "job").defer("content", "change_set")[:RECENT_IMPORTS]
    return render(request, "roles/import.html", {"form": form, "rejected": rejected, "recent": recent})


@requires(RolesCapability.MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def raci_import_preview(request: SignedInRequest, pk: int) -> HttpResponse:
    """What an uploaded file would change; confirming starts the job that applies it, or the file is discarded."""
    matrix_import = get_object_or_404(MatrixImport.objects.select_related("uploaded_by", "decided_by", "job"), pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            if "discard" in request.POST:
                matrix_import_discard(matrix_import=matrix_import, by=request.user)
                messages.info(request, f"{matrix_import.file_name} was discarded: the matrix is unchanged.")
                return redirect("roles:raci_import")
            job = matrix_import_confirm(matrix_import=matrix_import, by=request.user)
            return redirect("job_detail", pk=job.pk)
        except ImportRefused as refused:
            refusal = str(refused)
            matrix_import.refresh_from_db()
    preview = matrix_import_preview(matrix_import=matrix_import)
    return render(request, "roles/import_preview.html", {
        "matrix_import": matrix_import,
        "preview": preview,
        "page": paginate(request, preview.groups, per_page=ACTIVITIES_PER_PAGE),
        "refusal": refusal,
    }, status=409 if refusal else 200)
