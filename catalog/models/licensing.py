"""Licence requests: what a customer asked to license, what staff did about it, and the downloads it allows."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from catalog.models.items import CatalogImage, LicenseType


class LicenceStatus(models.TextChoices):
    NEW = "new", "New"
    QUOTED = "quoted", "Quoted"
    GRANTED = "granted", "Granted"
    DECLINED = "declined", "Declined"


class LicenceRequest(models.Model):
    """A customer's request to license one picture, what staff did about it, and the downloads it allows.

    No payment is taken here: `status` says where the request stands, and catalog.licensing documents
    the hook a payment step would use. The licence type, usage and size are copied at request time, so
    a later change to the item or its collection does not change what was asked for.
    """

    item = models.ForeignKey(
        CatalogImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="licence_requests"
    )
    licence_type = models.CharField(max_length=20, choices=LicenseType.choices)
    usage = models.CharField(max_length=200, blank=True)
    size = models.CharField(max_length=200, blank=True)
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField()
    organisation = models.CharField(max_length=200, blank=True)
    intended_use = models.TextField()
    status = models.CharField(max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.NEW, db_index=True)
    created_at = models.DateTimeField("requested at", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    quoted_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code of the quoted price.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licence_requests",
        help_text="The partner account that sent it through the API (empty for the public form).",
    )
    downloads_used = models.PositiveIntegerField(default=0)
    downloads_allowed = models.PositiveIntegerField(default=0)
    download_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "licence request"

    def __str__(self) -> str:
        return f"{self.customer_name}: {self.item or 'a removed item'}"
