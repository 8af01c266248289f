"""Staff jobs run by the worker beside the site: their state, progress and heartbeat (catalog.jobs runs them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BackgroundJob(models.Model):
    """What every staff job run by the worker keeps (catalog.jobs): its state, progress, and a heartbeat.

    The running worker beats while it works; a running job whose beat stopped (its worker was killed)
    is found by catalog.jobs.recover_stale and queued again, to resume from its progress.
    """

    State = JobState
    ACTIVE = (JobState.QUEUED, JobState.RUNNING)
    objects = models.Manager()  # declared here, so code handling any kind of job can query it

    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker first took it.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The running worker's last sign of life.")
    worker = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker running it.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker took it (resumes included).")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE


class ImportJob(BackgroundJob):
    """A bulk import (a zip and an optional metadata file) from the admin or the partner API."""

    archive = models.FileField(upload_to="imports/", help_text="A zip of images (folders inside are fine).")
    metadata = models.FileField(
        upload_to="imports/", blank=True, help_text="Optional CSV or JSON mapping file names to title, creator, year…"
    )
    publish = models.BooleanField(default=False, help_text="Publish the imported images at once.")
    report = models.JSONField(default=list, blank=True, help_text="One row per file: file, outcome, item, reason.")

    def __str__(self) -> str:
        return f"import {self.pk} ({self.get_state_display().lower()})"

    def delete_files(self) -> None:
        """Take the uploaded zip and metadata file out of storage (a job that could not be queued keeps nothing)."""
        for upload in (self.archive, self.metadata):
            if upload:
                upload.delete(save=False)


class StaffJob(BackgroundJob):
    """Other long staff work started from the admin: rebuilding the search indexes, or the duplicates pass.

    `task` names the task that runs it (a dotted path, so a job of a higher layer can live here);
    `cursor` is where it stopped, for a resumed run.
    """

    class Kind(models.TextChoices):
        UPDATE_INDEX = "update_index", "Rebuild the search indexes"
        DUPLICATES = "duplicates", "Rebuild the duplicates"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    task = models.CharField(max_length=200)
    cursor = models.JSONField(default=dict, blank=True)

    class Meta(BackgroundJob.Meta):
        # One of a kind under way at once: two quick clicks start one rebuild, not two.
        constraints = [models.UniqueConstraint(fields=["kind"], condition=models.Q(state__in=BackgroundJob.ACTIVE),
                                               name="one_active_staff_job_per_kind")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display().lower()} {self.pk} ({self.get_state_display().lower()})"
