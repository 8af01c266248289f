import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0008_suggested_term_stats"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteIdentity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(help_text="Shown in the header, in page titles and in the admin.", max_length=100),
                ),
                (
                    "tagline",
                    models.CharField(blank=True, help_text="One line under the name on the home page.", max_length=200),
                ),
                (
                    "introduction",
                    models.TextField(
                        blank=True,
                        help_text="A few sentences on the home page, as plain text; a blank line starts a new paragraph.",
                    ),
                ),
                (
                    "logo",
                    models.ImageField(
                        blank=True,
                        help_text="PNG, JPEG, WebP or GIF, shown about 40 px high. Leave empty for the built-in mark.",
                        upload_to="site/",
                        validators=[
                            django.core.validators.FileExtensionValidator(["png", "jpg", "jpeg", "webp", "gif"])
                        ],
                    ),
                ),
                (
                    "favicon",
                    models.ImageField(
                        blank=True,
                        help_text="A square PNG (at least 64 px) for browser tabs. Leave empty for the built-in icon.",
                        upload_to="site/",
                        validators=[
                            django.core.validators.FileExtensionValidator(["png", "jpg", "jpeg", "webp", "gif"])
                        ],
                    ),
                ),
                (
                    "featured_collections",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Collections shown on the home page. Leave empty to show the largest ones.",
                        related_name="+",
                        to="catalog.collection",
                    ),
                ),
                (
                    "site",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="identity", to="sites.site"
                    ),
                ),
            ],
            options={
                "verbose_name": "site identity",
                "verbose_name_plural": "site identity",
            },
        ),
    ]
