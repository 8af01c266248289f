"""Originals move from the media storage (served at /media/) to the private originals storage.

Each file is copied, its SHA-256 checked against the item's, and only then removed from the media
storage; a file already in place is left alone, a missing one is reported and skipped, and a copy
that does not match stops the migration with the original still where it was.
"""

import hashlib

from django.core.files.storage import storages
from django.db import migrations, models

import catalog.models
import catalog.storage


def _sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move(source, target, apps) -> None:
    CatalogImage = apps.get_model("catalog", "CatalogImage")
    missing = 0
    for name, sha256 in CatalogImage.objects.values_list("image", "sha256").iterator():
        if not name or target.exists(name):
            continue
        if not source.exists(name):
            missing += 1
            continue
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name or (sha256 and _sha256(target, saved) != sha256):
            target.delete(saved)
            raise RuntimeError(f"The copy of {name} does not match its item; nothing was removed.")
        source.delete(name)
    if missing:
        print(f"\n  {missing} catalog files were in neither storage; `manage.py collect_orphan_files` and the "
              "admin list them.")  # fmt: skip


def to_private(apps, schema_editor) -> None:
    move(storages["default"], storages["originals"], apps)


def to_media(apps, schema_editor) -> None:
    move(storages["originals"], storages["default"], apps)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_suggested_tags"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="catalogimage",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("use_matchengine_api", "Can use the MatchEngine-compatible /rest/ API"),
                    ("download_original", "Can download original files"),
                ],
                "verbose_name": "catalog image",
            },
        ),
        migrations.AlterField(
            model_name="catalogimage",
            name="image",
            field=models.FileField(
                max_length=255, storage=catalog.storage.originals, upload_to=catalog.models.upload_path
            ),
        ),
        migrations.RunPython(to_private, to_media, elidable=False),
    ]
