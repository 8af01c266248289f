"""The identity and footer pages a new site starts with (webapp.identity.defaults); staff edit them in the admin."""

from django.conf import settings
from django.db import migrations

from webapp.identity.defaults import INTRODUCTION, NAME, PAGES, TAGLINE


def create(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    SiteIdentity = apps.get_model("identity", "SiteIdentity")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site, _ = Site.objects.get_or_create(pk=getattr(settings, "SITE_ID", 1), defaults={"domain": "localhost"})
    if site.name in ("", "example.com"):
        site.name = NAME
        site.save(update_fields=["name"])
    SiteIdentity.objects.get_or_create(
        site=site, defaults={"name": NAME, "tagline": TAGLINE, "introduction": INTRODUCTION}
    )
    for url, title, content in PAGES:
        if not FlatPage.objects.filter(url=url).exists():
            page = FlatPage.objects.create(url=url, title=title, content=content.strip())
            page.sites.add(site)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_site_identity"),
        ("flatpages", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
