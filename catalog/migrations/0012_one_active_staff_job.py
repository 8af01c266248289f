from django.db import migrations, models

ACTIVE = ("queued", "running")


def cancel_extra_active_jobs(apps, schema_editor):
    """Before the constraint: of several jobs of a kind under way, the oldest stays; the others are cancelled."""
    staff_job = apps.get_model("catalog", "StaffJob")
    for kind in staff_job.objects.filter(state__in=ACTIVE).values_list("kind", flat=True).distinct():
        active = staff_job.objects.filter(kind=kind, state__in=ACTIVE).order_by("created_at", "pk")
        extra = active.exclude(pk=active.values_list("pk", flat=True)[:1])
        extra.update(state="cancelled", summary="Cancelled: another job of this kind was already under way.")


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
