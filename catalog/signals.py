"""The catalog's own bookkeeping on model changes: a deleted item's file goes once the delete commits, and
its suggested words leave the totals that calibrate them.

`images_created` is sent after a bulk insert of new items (`ingest.save_new_batch`), inside its
transaction, with `images=[...]`: `bulk_create` sends no `post_save`, and the indexes follow both.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import Signal, receiver

from catalog import suggestions
from catalog.models import CatalogImage

images_created = Signal()


@receiver(post_delete, sender=CatalogImage, dispatch_uid="catalog_delete_file_on_delete")
def delete_file_on_delete(sender, instance: CatalogImage, **kwargs) -> None:
    name, storage = instance.image.name, instance.image.storage
    if name and not CatalogImage.objects.filter(image=name).exists():
        # The file goes only once the delete has committed: a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(name))


@receiver(pre_delete, sender=CatalogImage, dispatch_uid="catalog_forget_suggestions_on_delete")
def forget_suggestions(sender, instance: CatalogImage, **kwargs) -> None:
    suggestions.forget([instance])  # the words' catalog totals, which calibrate them, lose this item's share
