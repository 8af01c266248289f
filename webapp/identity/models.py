"""The site's identity: one row per site (django.contrib.sites), edited by staff in the admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.validators import FileExtensionValidator
from django.db import models
from django.http import HttpRequest

from webapp.identity import defaults

IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "webp", "gif"]  # raster only: an SVG could carry script
CACHE_SECONDS = 60


class SiteIdentity(models.Model):
    """Name, tagline, home-page introduction, logo, favicon and featured collections of one site."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="identity")
    name = models.CharField(max_length=100, help_text="Shown in the header, in page titles and in the admin.")
    tagline = models.CharField(max_length=200, blank=True, help_text="One line under the name on the home page.")
    introduction = models.TextField(
        blank=True, help_text="A few sentences on the home page, as plain text; a blank line starts a new paragraph."
    )
    logo = models.ImageField(
        upload_to="site/", blank=True, validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        help_text="PNG, JPEG, WebP or GIF, shown about 40 px high. Leave empty for the built-in mark.",
    )  # fmt: skip
    favicon = models.ImageField(
        upload_to="site/", blank=True, validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        help_text="A square PNG (at least 64 px) for browser tabs. Leave empty for the built-in icon.",
    )  # fmt: skip
    featured_collections = models.ManyToManyField(
        "catalog.Collection", blank=True, related_name="+",
        help_text="Collections shown on the home page. Leave empty to show the largest ones.",
    )  # fmt: skip

    class Meta:
        verbose_name = "site identity"
        verbose_name_plural = "site identity"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FooterLink:
    title: str
    url: str


@dataclass(frozen=True)
class Identity:
    """What every page shows of the site: read once a minute, not on every request."""

    name: str
    tagline: str
    introduction: str
    has_logo: bool
    has_favicon: bool
    footer: tuple[FooterLink, ...]
    featured: tuple[int, ...]  # the collections staff chose, by name (none: the home page shows the largest)

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.introduction.split("\n\n") if part.strip()]


def cache_key(site_id: int) -> str:
    return f"identity:{site_id}"


def current(request: HttpRequest | None = None) -> Identity:
    """The identity of the request's site; the defaults when staff have not made one."""
    site = Site.objects.get_current(request)
    key = cache_key(site.pk)
    found = cache.get(key)
    if found is None:
        found = read(site)
        cache.set(key, found, CACHE_SECONDS)
    return found


def read(site) -> Identity:
    row = SiteIdentity.objects.filter(site_id=site.pk).first()
    pages = FlatPage.objects.filter(sites=site.pk, registration_required=False).order_by("title")
    footer = tuple(FooterLink(page.title, page.get_absolute_url()) for page in pages)
    if row is None:
        return Identity(defaults.NAME, defaults.TAGLINE, defaults.INTRODUCTION, False, False, footer, ())
    featured = tuple(row.featured_collections.order_by("name").values_list("pk", flat=True))
    return Identity(row.name, row.tagline, row.introduction, bool(row.logo), bool(row.favicon), footer, featured)


def forget(**kwargs) -> None:
    """Drop every cached identity (a signal handler: an identity or a flat page changed)."""
    cache.delete_many([cache_key(pk) for pk in Site.objects.values_list("pk", flat=True)])
