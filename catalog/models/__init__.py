"""What Likeness licenses: catalog images, their creators, collections and licence terms (`items`); the
duplicates found among them; the staff jobs that work on them; and the licence requests customers send."""

from catalog.models.duplicates import DismissedDuplicate, DuplicateCheck, DuplicatePair, DuplicatePass
from catalog.models.items import (
    EXTENSIONS,
    CatalogImage,
    CatalogImageQuerySet,
    Collection,
    Creator,
    LicenseType,
    Orientation,
    Status,
    SuggestedTag,
    SuggestedTermStats,
    new_identifier,
    upload_path,
)
from catalog.models.jobs import BackgroundJob, ImportJob, JobState, StaffJob
from catalog.models.licensing import LicenceRequest, LicenceStatus

__all__ = [
    "EXTENSIONS",
    "BackgroundJob",
    "CatalogImage",
    "CatalogImageQuerySet",
    "Collection",
    "Creator",
    "DismissedDuplicate",
    "DuplicateCheck",
    "DuplicatePair",
    "DuplicatePass",
    "ImportJob",
    "JobState",
    "LicenceRequest",
    "LicenceStatus",
    "LicenseType",
    "Orientation",
    "StaffJob",
    "Status",
    "SuggestedTag",
    "SuggestedTermStats",
    "new_identifier",
    "upload_path",
]
