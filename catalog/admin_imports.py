"""Bulk import from the admin: upload a zip (and a metadata file); it runs as a background task."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from catalog import importer
from catalog.admin_duplicates import group_url
from catalog.duplicates import partners
from catalog.models import ImportJob
from catalog.tasks import run_import_job


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "progress", "summary", "created_by", "created_at"]
    list_filter = ["state"]
    fields = ["archive", "metadata", "publish"]
    readonly_fields = ["state", "progress", "summary", "report_table", "created_by", "created_at", "finished_at"]

    def get_fields(self, request: HttpRequest, obj: ImportJob | None = None):
        return self.fields if obj is None else ["state", "progress", "summary", "report_table", "created_by",
                                                "created_at", "finished_at"]  # fmt: skip

    @admin.display(description="progress")
    def progress(self, job: ImportJob) -> str:
        return format_html('<progress max="{}" value="{}"></progress> {} of {} files', job.total or 1, job.done,
                           job.done, job.total)  # fmt: skip

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

    def has_change_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        """A job, once started, is a read-only report: nothing on it to save."""
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ImportJob, form, change: bool) -> None:
        assert request.user.is_authenticated  # the admin serves signed-in staff only
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        job_id = obj.pk
        transaction.on_commit(lambda: run_import_job.enqueue(job_id))

    def response_add(self, request: HttpRequest, obj: ImportJob, post_url_continue=None) -> HttpResponseRedirect:
        """To the job's report, whose banner says its state as it is when shown (a message written now would
        say "queued" of a job that is done by then)."""
        return HttpResponseRedirect(reverse("admin:catalog_importjob_change", args=[obj.pk]))


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
