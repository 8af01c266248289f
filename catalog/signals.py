"""Keep the search indexes in step: schedule indexing after the transaction that changed an item commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import CatalogImage


@receiver(post_save, sender=CatalogImage, dispatch_uid="catalog_index_on_save")
def index_on_save(sender, instance: CatalogImage, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures: update_index builds the index afterwards
        return
    from search.tasks import index_image

    image_id = instance.pk
    transaction.on_commit(lambda: index_image.enqueue(image_id))


@receiver(post_delete, sender=CatalogImage, dispatch_uid="catalog_remove_on_delete")
def remove_on_delete(sender, instance: CatalogImage, **kwargs) -> None:
    from search.tasks import remove_image

    image_id = instance.pk
    transaction.on_commit(lambda: remove_image.enqueue(image_id))
    name, storage = instance.image.name, instance.image.storage
    if name and not CatalogImage.objects.filter(image=name).exists():
        # The file goes only once the delete has committed: a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(name))
