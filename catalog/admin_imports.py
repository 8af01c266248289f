"""Staff jobs in the admin: a zip import (a zip and a metadata file), and the rebuilds of the search indexes and
of the duplicates. Each is queued for the worker beside the site (catalog.jobs): the request that starts one
answers at once, its page shows its progress as it is when shown, and staff can cancel a queued or running one."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from catalog import importer, jobs
from catalog.admin_duplicates import group_url
from catalog.duplicates import partners
from catalog.models import BackgroundJob, ImportJob, JobState, StaffJob

JOB_FIELDS = ["state", "progress", "summary", "created_by", "created_at", "started_at", "heartbeat_at", "attempts",
              "finished_at"]  # fmt: skip


class JobAdmin(admin.ModelAdmin):
    """What both job pages share: read-only once started, progress, the dead-worker check, a cancel button."""

    list_filter = ["state"]
    readonly_fields = JOB_FIELDS

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("created_by").defer(*jobs.deferred(self.model))

    @admin.display(description="progress")
    def progress(self, job: BackgroundJob) -> str:
        return format_html('<progress max="{}" value="{}"></progress> {} of {}', job.total or 1, job.done,
                           f"{job.done:,}", f"{job.total:,}")  # fmt: skip

    def has_change_permission(self, request: HttpRequest, obj: BackgroundJob | None = None) -> bool:
        """A job, once started, is a read-only report: nothing on it to save."""
        return obj is None and super().has_change_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        jobs.recover_if_queued()  # a job whose worker died is queued again before it is listed as running
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        jobs.recover_if_queued()
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        cancel = self.admin_site.admin_view(self.cancel_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_cancel"
        return [path("<int:job_id>/cancel/", cancel, name=name), *super().get_urls()]

    def cancel_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self.get_queryset(request).filter(pk=job_id).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        if not super().has_change_permission(request):  # the model's change permission: viewing is not enough
            raise PermissionDenied
        if jobs.cancel(job, request.user.get_username()):
            messages.success(request, f"{job} is cancelled; a running one stops within seconds.")
        else:
            messages.warning(request, f"{job} had already ended.")
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                            args=[job.pk]))  # fmt: skip


class NotQueued(Exception):
    """The task queue refused a new import's task: the job is not kept, nor are its files."""


@admin.register(ImportJob)
class ImportJobAdmin(JobAdmin):
    list_display = ["__str__", "state", "progress", "summary", "created_by", "created_at"]
    fields = ["archive", "metadata", "publish"]
    readonly_fields = [*JOB_FIELDS, "report_table"]

    def get_fields(self, request: HttpRequest, obj: ImportJob | None = None):
        return self.fields if obj is None else [*JOB_FIELDS, "report_table"]

    @admin.display(description="report")
    def report_table(self, job: ImportJob) -> str:
        if not job.report:
            return "The report appears here as files are done."
        imported = [r["item"] for r in job.report if r["outcome"] == importer.IMPORTED and r["item"]]
        same = partners(imported)  # as stored now: edited copies appear once the background check has run
        cells = ((r["file"], r["outcome"], item_link(r["item"]), r["reason"],
                  same_picture(r["item"], same.get(r["item"]))) for r in job.report)  # fmt: skip
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", cells)
        return format_html("<table><thead><tr><th>file</th><th>outcome</th><th>item</th><th>reason</th>"
                           "<th>duplicates</th></tr></thead><tbody>{}</tbody></table>", rows)  # fmt: skip

    def save_model(self, request: HttpRequest, obj: ImportJob, form, change: bool) -> None:
        assert request.user.is_authenticated  # the admin serves signed-in staff only
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        try:
            jobs.enqueue(obj)  # in the add view's transaction: the job and its task are saved together or not at all
        except DatabaseError as exc:
            obj.delete_files()
            raise NotQueued from exc  # out of the add view's transaction, which rolls the job back

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except NotQueued:
            messages.error(request, "The import could not be queued; nothing was kept. Try again.")
            return HttpResponseRedirect(reverse("admin:catalog_importjob_changelist"))

    def response_add(self, request: HttpRequest, obj: ImportJob, post_url_continue=None) -> HttpResponseRedirect:
        """To the job's report, whose banner says its state as it is when shown (a message written now would
        say "queued" of a job that is done by then)."""
        return HttpResponseRedirect(reverse("admin:catalog_importjob_change", args=[obj.pk]))


@admin.register(StaffJob)
class StaffJobAdmin(JobAdmin):
    list_display = ["__str__", "kind", "state", "progress", "summary", "created_by", "created_at"]
    list_filter = ["kind", "state"]
    readonly_fields = ["kind", *JOB_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started by the buttons above the list, never from a form

    def get_urls(self):
        start = self.admin_site.admin_view(self.start_view)
        return [path("start/<str:kind>/", start, name="catalog_staffjob_start"), *super().get_urls()]

    def start_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if kind not in StaffJob.Kind.values or not self.has_change_permission(request):
            raise Http404
        assert request.user.is_authenticated  # the admin serves signed-in staff only
        try:
            with transaction.atomic():
                job = StaffJob.objects.create(kind=kind, task=jobs.STAFF_TASKS[kind], created_by=request.user,
                                              state=JobState.QUEUED)  # fmt: skip
                jobs.enqueue(job)
        except DatabaseError:
            running = StaffJob.objects.filter(kind=kind, state__in=BackgroundJob.ACTIVE).first()
            if running is None:  # not one under way: the database refused the job or its task
                messages.error(request, "The job could not be queued; nothing was started. Try again.")
                return HttpResponseRedirect(reverse("admin:catalog_staffjob_changelist"))
            messages.warning(request, f"{running} is already under way.")  # a second click, or a colleague's
            return HttpResponseRedirect(reverse("admin:catalog_staffjob_change", args=[running.pk]))
        return HttpResponseRedirect(reverse("admin:catalog_staffjob_change", args=[job.pk]))


def same_picture(item: int | None, others: list[int] | None) -> str:
    """An imported item's stored duplicates, linked to their group on the Duplicates page ("" when none)."""
    if item is None or not others:
        return ""
    return format_html('<a href="{}">same picture as {}</a>', group_url(item), ", ".join(f"#{i}" for i in others))


def item_link(item: int | None) -> str:
    """The item an imported file made, linked to its admin page."""
    if item is None:
        return ""
    return format_html('<a href="{}">#{}</a>', reverse("admin:catalog_catalogimage_change", args=[item]), item)
