"""The identity app, and the admin app set to use the site-named admin site."""

from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "webapp.identity"
    label = "identity"
    verbose_name = "Site identity"

    def ready(self) -> None:
        from django.contrib.flatpages.models import FlatPage
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from webapp.identity import models

        # What every page shows (name, footer links) is cached briefly; a change in the admin shows at once.
        for sender in (models.SiteIdentity, FlatPage):
            post_save.connect(models.forget, sender=sender, dispatch_uid=f"identity-saved-{sender.__name__}")
            post_delete.connect(models.forget, sender=sender, dispatch_uid=f"identity-deleted-{sender.__name__}")
        for through in (FlatPage.sites.through, models.SiteIdentity.featured_collections.through):
            m2m_changed.connect(models.forget, sender=through, dispatch_uid=f"identity-m2m-{through.__name__}")


class SiteAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with SiteAdmin as its default site: INSTALLED_APPS names this instead of it."""

    default = False  # the identity app's own config is the default of this module
    default_site = "webapp.identity.admin_site.SiteAdmin"
