"""Keep the indexes in step with the catalog: log the change in its transaction, index after it commits.

Connected in SearchConfig.ready() (as Wagtail's search and django-elasticsearch-dsl connect theirs):
the catalog's models know nothing of the indexes that follow them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import CatalogImage, SuggestedTag
from catalog.signals import images_created
from matching.index import store
from matching.models import IndexEvent
from search.tasks import index_image, index_images, remove_image


@receiver(post_save, sender=CatalogImage, dispatch_uid="catalog_index_on_save")
def index_on_save(sender, instance: CatalogImage, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures: update_index builds the index afterwards
        return
    image_id = instance.pk
    store.record_change(image_id, IndexEvent.ADD)  # commits with the change, or not at all
    transaction.on_commit(lambda: index_image.enqueue(image_id))


@receiver(images_created, sender=CatalogImage, dispatch_uid="catalog_index_on_bulk_create")
def index_on_bulk_create(sender, images: list[CatalogImage], **kwargs) -> None:
    image_ids = [image.pk for image in images]
    store.record_changes(image_ids, IndexEvent.ADD)
    transaction.on_commit(lambda: index_images.enqueue(image_ids))


@receiver(post_delete, sender=CatalogImage, dispatch_uid="catalog_remove_on_delete")
def remove_on_delete(sender, instance: CatalogImage, **kwargs) -> None:
    image_id = instance.pk
    store.record_change(image_id, IndexEvent.REMOVE)
    transaction.on_commit(lambda: remove_image.enqueue(image_id))


@receiver(post_save, sender=SuggestedTag, dispatch_uid="suggested_tag_index_on_save")
@receiver(post_delete, sender=SuggestedTag, dispatch_uid="suggested_tag_index_on_delete")
def index_on_suggestion_change(sender, instance: SuggestedTag, raw: bool = False, **kwargs) -> None:
    """Staff hid, showed or accepted a suggested tag: the image's text changed, not its picture."""
    if raw:
        return
    image_id = instance.image_id
    transaction.on_commit(lambda: index_image.enqueue(image_id))
