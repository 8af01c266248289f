"""Where the catalog's originals live: a storage no URL maps to."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder outside MEDIA_ROOT whose files have no URL: they are handed out by catalog.originals only."""

    def url(self, name: str | None) -> str:
        raise ValueError("Originals have no public URL; catalog.originals.signed_url() gives a short-lived one.")


def originals() -> Storage:
    """The originals' storage (STORAGES["originals"]), looked up when used so tests and settings can change it."""
    return storages["originals"]
