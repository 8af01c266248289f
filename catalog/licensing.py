"""Licence requests: a customer asks for a picture, staff quote, grant or decline, a grant hands over the original.

A granted request gets a download link signed with the site's secret key (django.core.signing, a
salt of its own). The link names the request, its item and the content hash of the item's file;
the database holds how long it works and how many times (LIKENESS["LICENCE_DOWNLOAD_DAYS"] and
["LICENCE_DOWNLOADS"]). Each download is counted by one conditional UPDATE, so parallel clicks
cannot go past the count.

No payment is taken. A payment step plugs in at `before_grant`: it sends the `granting` signal,
and a receiver that raises `GrantBlocked` (say, because its payment provider has not confirmed
payment of the quoted price) stops the grant with its message, which the admin shows to staff. A
payment provider's webhook that confirms payment can call `grant()` itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from catalog import originals
from catalog.models import CatalogImage, LicenceRequest, LicenceStatus, Status
from catalog.originals import LinkRefused
from catalog.visibility import visible_items

SALT = "likeness.licence-download"

# Sent with `licence=` before a request is granted; a receiver raises GrantBlocked to stop the grant.
granting = Signal()


class RequestRefused(Exception):
    """A licence request that cannot be made; `field` names the input at fault (None: the request as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class GrantBlocked(Exception):
    """Raised by a `granting` receiver (a payment step, say) to keep a request from being granted; says why."""


def licensable_items(user) -> QuerySet[CatalogImage]:
    """The items `user` may ask to license: published ones they may see (never a draft, whoever asks)."""
    return visible_items(user).filter(status=Status.PUBLISHED)


def create(
    item_id: int | None,
    *,
    customer_name: str,
    customer_email: str,
    intended_use: str,
    organisation: str = "",
    usage: str = "",
    size: str = "",
    requested_by=None,
    user=None,
) -> LicenceRequest:
    """Store a new request for the item, with its licence type as it is now; RequestRefused when it cannot be made.

    `user` is who asks (for what they may see; anonymous on the public form); `requested_by` the
    partner account recorded as its author (API requests).
    """
    item = licensable_items(user).filter(pk=item_id).first() if item_id is not None else None
    if item is None:
        raise RequestRefused("No published picture has this id.", "item")
    collection = item.collection
    for field, value, offered in (("usage", usage, collection.usage_list if collection else []),
                                  ("size", size, collection.size_list if collection else [])):  # fmt: skip
        if offered and value not in offered:
            raise RequestRefused(f"Choose one of: {', '.join(offered)}.", field)
        if not offered and value:
            raise RequestRefused(f"This picture's collection offers no {field} to choose.", field)
    return LicenceRequest.objects.create(
        item=item,
        licence_type=item.license_type,
        usage=usage,
        size=size,
        customer_name=customer_name,
        customer_email=customer_email,
        organisation=organisation,
        intended_use=intended_use,
        requested_by=requested_by if requested_by is not None and requested_by.is_authenticated else None,
    )


def waiting_count() -> int:
    """How many new requests wait for staff (the admin index shows it)."""
    return LicenceRequest.objects.filter(status=LicenceStatus.NEW).count()


def before_grant(licence: LicenceRequest) -> None:
    """The hook point for a payment step: sends `granting`; a receiver raising GrantBlocked stops the grant."""
    granting.send(sender=LicenceRequest, licence=licence)


def grant(licence: LicenceRequest, by, absolute: Callable[[str], str]) -> LicenceRequest:
    """Grant the request and e-mail the customer a download link; `absolute` makes a path a full URL.

    Granting again renews the link (a fresh count and expiry) and sends it again. The e-mail is sent
    inside the transaction: when it cannot be sent the request stays as it was, and the error is raised.
    """
    if licence.item_id is None:
        raise GrantBlocked("The picture of this request has been removed from the catalog.")
    before_grant(licence)
    likeness = settings.LIKENESS
    with transaction.atomic():
        licence = LicenceRequest.objects.select_for_update(of=("self",)).select_related("item").get(pk=licence.pk)
        if licence.item is None:  # deleted since the request was read
            raise GrantBlocked("The picture of this request has been removed from the catalog.")
        _acted(licence, LicenceStatus.GRANTED, by)
        licence.downloads_used = 0
        licence.downloads_allowed = likeness["LICENCE_DOWNLOADS"]
        licence.download_expires_at = timezone.now() + datetime.timedelta(days=likeness["LICENCE_DOWNLOAD_DAYS"])
        licence.save()
        send_mail(
            f"Your licence for “{licence.item}”",
            granted_message(licence, absolute(download_url(licence))),
            None,  # DEFAULT_FROM_EMAIL
            [licence.customer_email],
        )
    return licence


def granted_message(licence: LicenceRequest, link: str) -> str:
    """The e-mail that hands the customer the download link."""
    assert licence.item is not None and licence.download_expires_at is not None
    terms = [f"Licence: {licence.get_licence_type_display()}"]
    terms += [f"Usage: {licence.usage}"] if licence.usage else []
    terms += [f"Size: {licence.size}"] if licence.size else []
    if licence.quoted_price is not None:
        terms.append(f"Price: {licence.quoted_price} {licence.currency}".rstrip())
    until = timezone.localtime(licence.download_expires_at).strftime("%d %B %Y, %H:%M %Z")
    return "\n".join([
        f"Dear {licence.customer_name},",
        "",
        f"your request to license “{licence.item.title}” has been granted.",
        "",
        *terms,
        "",
        "Download the original file here:",
        link,
        "",
        f"The link works {licence.downloads_allowed} times, until {until}.",
    ])  # fmt: skip


def quote(licence: LicenceRequest, by, price: Decimal | None = None, currency: str = "") -> LicenceRequest:
    """Mark the request quoted, with a price (by default the one already quoted, else the item's price)."""
    if price is None and licence.quoted_price is None and licence.item is not None:
        price, currency = licence.item.price, licence.item.currency
    if price is not None:
        licence.quoted_price, licence.currency = price, currency
    _acted(licence, LicenceStatus.QUOTED, by)
    licence.save()
    return licence


def decline(licence: LicenceRequest, by) -> LicenceRequest:
    """Decline the request; a download link it had stops working."""
    _acted(licence, LicenceStatus.DECLINED, by)
    licence.save()
    return licence


def _acted(licence: LicenceRequest, status: str, by) -> None:
    licence.status = status
    licence.acted_by = by if by is not None and by.is_authenticated else None
    licence.acted_at = timezone.now()


def download_url(licence: LicenceRequest) -> str:
    """The path of the request's download link (make it absolute to share); it names the request, item and file."""
    assert licence.item is not None
    payload = {"request": licence.pk, "item": licence.item.pk, "sha256": licence.item.sha256}
    return reverse("page:licence-download", args=[signing.dumps(payload, salt=SALT, compress=True)])


def request_for_download(token: str) -> LicenceRequest:
    """The granted request a link names, with one download counted; LinkRefused (403 or 410) when it may not be used.

    403: the link is forged or edited, or the request is not (or no longer) granted. 410: the link
    expired, was used up, or its file was replaced or removed.
    """
    payload = originals.unsign(token, SALT)  # how long it works is the request's, in the database
    licence = LicenceRequest.objects.select_related("item").filter(pk=payload.get("request")).first()
    if licence is None or licence.status != LicenceStatus.GRANTED:
        raise LinkRefused("This licence has not been granted, or has been withdrawn.", 403)
    item = licence.item
    if item is None or item.pk != payload.get("item") or item.sha256 != payload.get("sha256"):
        raise LinkRefused(originals.REPLACED, 410)
    now = timezone.now()
    if licence.download_expires_at is None or licence.download_expires_at <= now:
        raise LinkRefused("This download link has expired. Ask us for a new one.", 410)
    counted = LicenceRequest.objects.filter(
        pk=licence.pk,
        status=LicenceStatus.GRANTED,
        download_expires_at__gt=now,
        downloads_used__lt=F("downloads_allowed"),
    ).update(downloads_used=F("downloads_used") + 1)
    if not counted:
        raise LinkRefused("This download link has been used as many times as it allows. Ask us for a new one.", 410)
    return licence
