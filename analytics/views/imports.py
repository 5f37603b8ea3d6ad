"""Metric uploads: upload → preview (editable column mapping) → confirm → batch with progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import MappingForm, UploadForm
from ..models import BatchStatus, ImportBatch
from ..selectors import batch_rows, batches_for, campaigns_for
from ..services.uploads import (
    Preview,
    confirm_upload,
    live_progress,
    mapping_choices,
    preview_upload,
    stage_upload,
)

FINISHED = (BatchStatus.SUCCEEDED, BatchStatus.REFUSED)


def _require_upload_permission(request: HttpRequest) -> None:
    if not request.user.has_perm("analytics.add_metricfact"):
        raise PermissionDenied


def _pending_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(
        batches_for(user=request.user).filter(created_by_id=request.user.pk), pk=pk
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Step 1: the file and its options; the file is kept on a pending batch for the preview."""
    _require_upload_permission(request)
    changeable = campaigns_for(user=request.user, action="change")
    form = UploadForm(request.POST or None, request.FILES or None, campaigns=changeable)
    if request.method == "POST" and form.is_valid():
        batch = stage_upload(
            user=request.user,
            uploaded_file=form.cleaned_data["file"],
            source=form.cleaned_data["source"] or "",
            campaign=form.cleaned_data["campaign"],
            create_campaigns=form.cleaned_data["create_campaigns"],
        )
        return redirect("analytics:upload_preview", pk=batch.pk)
    return render(
        request,
        "analytics/upload.html",
        {"form": form, "batches": batch_rows(batches_for(user=request.user))[:10]},
    )


def _render_preview(
    request: HttpRequest, preview: Preview, *, save_mapping: bool = False, status: int = 200
) -> HttpResponse:
    form = MappingForm(
        headers=list(preview.mapping),
        choices=mapping_choices(),
        initial_mapping=preview.mapping,
        initial={"save_mapping": save_mapping},
    )
    return render(
        request,
        "analytics/upload_preview.html",
        {"batch": preview.batch, "preview": preview, "form": form},
        status=status,
    )


@login_required
def upload_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: what the file holds and what a load would do; the mapping can be changed here
    (a changed mapping re-previews: htmx posts the form on change, or "Check again")."""
    _require_upload_permission(request)
    batch = _pending_batch(request, pk)
    if batch.status != BatchStatus.PENDING:
        return redirect("analytics:batch_detail", pk=batch.pk)
    mapping = MappingForm.posted_mapping(request.POST) if request.method == "POST" else None
    preview = preview_upload(batch=batch, mapping=mapping or None)
    return _render_preview(request, preview, save_mapping=bool(request.POST.get("save_mapping")))


@login_required
@require_POST
def upload_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: load now (small files) or in a worker with a progress bar (large files)."""
    _require_upload_permission(request)
    batch = _pending_batch(request, pk)
    if batch.status != BatchStatus.PENDING:
        return redirect("analytics:batch_detail", pk=batch.pk)
    mapping = MappingForm.posted_mapping(request.POST)
    save_mapping = bool(request.POST.get("save_mapping"))
    try:
        batch = confirm_upload(
            batch=batch, user=request.user, mapping=mapping, save_mapping=save_mapping
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        preview = preview_upload(batch=batch, mapping=mapping or None)
        return _render_preview(request, preview, save_mapping=save_mapping, status=400)
    if batch.status == BatchStatus.SUCCEEDED:
        messages.success(request, _("The file was loaded."))
    elif batch.status == BatchStatus.REFUSED:
        messages.error(request, _("The file was refused: nothing was loaded."))
    else:
        messages.info(request, _("The file is loading: you can leave this page and come back."))
    return redirect("analytics:batch_detail", pk=batch.pk)


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = batch_rows(batches_for(user=request.user))
    status = request.GET.get("status")
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/batch_list.html",
        {"page": page, "statuses": BatchStatus.choices, "query": request.GET},
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(batches_for(user=request.user), pk=pk)
    return render(request, "analytics/batch_detail.html", {"batch": batch})


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar fragment polled by htmx; once the load ends the page reloads itself."""
    batch = get_object_or_404(batches_for(user=request.user), pk=pk)
    batch.progress = live_progress(batch)
    response = render(request, "analytics/_batch_progress.html", {"batch": batch})
    if batch.status in FINISHED and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"  # show the counts and errors of the finished batch
    return response


@login_required
def batch_download(request: HttpRequest, pk: int) -> FileResponse:
    """The original file, as uploaded (permission-checked: no public media URL)."""
    batch = get_object_or_404(batches_for(user=request.user), pk=pk)
    if not batch.file:
        raise Http404(_("This batch has no file."))
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.filename or (batch.file.name or "").rsplit("/", 1)[-1],
    )
