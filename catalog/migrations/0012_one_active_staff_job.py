from django.db import migrations, models
from django.db.models import Case, Value, When
from django.db.models.functions import Now

ACTIVE = ("queued", "running")


def cancel_extra_active_jobs(apps, schema_editor):
    """Before the constraint: of several jobs of a kind under way, one stays (a running one before a queued one,
    which may have no task to run it; then the oldest); the others are cancelled."""
    staff_job = apps.get_model("catalog", "StaffJob")
    running_first = Case(When(state="running", then=Value(0)), default=Value(1))
    for kind in staff_job.objects.filter(state__in=ACTIVE).values_list("kind", flat=True).distinct():
        active = staff_job.objects.filter(kind=kind, state__in=ACTIVE).order_by(running_first, "created_at", "pk")
        kept = active.values_list("pk", flat=True)[0]
        active.exclude(pk=kept).update(state="cancelled", finished_at=Now(),
                                       summary="Cancelled: another job of this kind was already under way.")  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_admin_search_trigrams")]

    operations = [
        migrations.RunPython(cancel_extra_active_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="staffjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ACTIVE)), fields=("kind",), name="one_active_staff_job_per_kind"
            ),
        ),
    ]
