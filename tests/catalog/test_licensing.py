"""Licence requests: made for published pictures only, acted on by staff in the admin, downloaded through a link
that names the request and its file, works a bounded number of times and expires."""

import datetime
import hashlib
import re
import threading

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import ingest, licensing
from catalog.models import Collection, LicenceRequest, LicenceStatus, Status
from catalog.originals import LinkRefused
from matching.safety import imaging
from tests.images import encode, picture

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/licences/[^/\s]+/download/)")


@pytest.fixture
def item(make_item):
    return make_item(seed=7, title="Harbour at Dawn", license_type="rights-managed", price="120.00",
                     data=encode(picture(640, 480, 7), "PNG"))  # fmt: skip


def ask(item, **fields) -> LicenceRequest:
    values = {"customer_name": "Ada Holm", "customer_email": "ada@example.com", "intended_use": "A book cover.",
              **fields}  # fmt: skip
    return licensing.create(item.pk, **values)


def granted(item, client, **fields) -> tuple[LicenceRequest, str]:
    """A request granted by staff through the admin, and the path of the link the customer was e-mailed."""
    from django.core import mail

    licence = ask(item, **fields)
    sent = len(mail.outbox)
    grant_in_admin(client, licence)
    assert len(mail.outbox) == sent + 1
    return LicenceRequest.objects.get(pk=licence.pk), LINK.search(mail.outbox[-1].body).group(1)


def grant_in_admin(client, *licences, action: str = "grant"):
    changelist = reverse("admin:catalog_licencerequest_changelist")
    return client.post(changelist, {"action": action, "_selected_action": [licence.pk for licence in licences]},
                       follow=True)  # fmt: skip


def downloaded(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def test_a_request_keeps_the_pictures_licence_type_and_the_customer(item):
    licence = ask(item, organisation="Holm Press")
    assert (licence.item, licence.licence_type, licence.status) == (item, "rights-managed", LicenceStatus.NEW)
    assert (licence.customer_name, licence.organisation, licence.downloads_allowed) == ("Ada Holm", "Holm Press", 0)


@pytest.mark.parametrize("user", ["anonymous", "staff"])
def test_a_draft_or_unknown_picture_cannot_be_requested_by_anyone(make_item, staff_user, user):
    draft = make_item(seed=8, status=Status.DRAFT)
    who = staff_user if user == "staff" else None
    for pk in (draft.pk, 999_999):
        with pytest.raises(licensing.RequestRefused) as refused:
            licensing.create(pk, customer_name="A", customer_email="a@example.com", intended_use="x", user=who)
        assert refused.value.field == "item"
    assert not LicenceRequest.objects.exists()


def test_usage_and_size_are_among_what_the_collection_offers(make_item):
    collection = Collection.objects.create(name="Harbours", usage_options="Web\n  Print \n\nWeb", size_options="")
    item = make_item(seed=9, collection=collection)
    assert collection.usage_list == ["Web", "Print"] and collection.size_list == []
    assert ask(item, usage="Print").usage == "Print"
    with pytest.raises(licensing.RequestRefused, match="Choose one of: Web, Print") as refused:
        ask(item, usage="Broadcast")
    assert refused.value.field == "usage"
    with pytest.raises(licensing.RequestRefused, match="offers no size") as refused:
        ask(item, usage="Web", size="Huge")
    assert refused.value.field == "size"


def test_the_admin_index_counts_the_new_requests_and_links_to_them(staff_client, item):
    ask(item)
    ask(item)
    licensing.decline(ask(item), None)
    html = staff_client.get(reverse("admin:index")).content.decode()
    link = reverse("admin:catalog_licencerequest_changelist") + "?status__exact=new"
    assert f'href="{link}">2 new licence requests waiting' in html
    listed = staff_client.get(link).content.decode()
    assert listed.count('class="field-customer_email"') == 2


def test_staff_filter_and_search_the_requests(staff_client, item, make_item):
    ask(item, customer_name="Ada Holm")
    ask(make_item(seed=10, title="Quiet Lake"), customer_name="Bo Berg", customer_email="bo@example.org")
    changelist = reverse("admin:catalog_licencerequest_changelist")
    for query in ("bo@example", "Quiet Lake", "Berg"):
        html = staff_client.get(changelist, {"q": query}).content.decode()
        assert "Bo Berg" in html and "Ada Holm" not in html, query
    html = staff_client.get(changelist, {"status__exact": "granted"}).content.decode()
    assert "Ada Holm" not in html and "Bo Berg" not in html


def test_staff_read_a_request_and_set_its_quoted_price(staff_client, item):
    licence = ask(item, organisation="Holm Press")
    change = reverse("admin:catalog_licencerequest_change", args=[licence.pk])
    html = staff_client.get(change).content.decode()
    assert "Holm Press" in html and "A book cover." in html
    assert reverse("admin:catalog_catalogimage_change", args=[item.pk]) in html
    response = staff_client.post(change, {"quoted_price": "95.00", "currency": "EUR", "status": "granted"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert (str(licence.quoted_price), licence.status) == ("95.00", "new")  # the status changes by actions only


def test_granting_in_the_admin_emails_one_link_that_downloads_the_original(staff_client, staff_user, item,
                                                                            mailoutbox, settings):  # fmt: skip
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_DOWNLOADS": 3, "LICENCE_DOWNLOAD_DAYS": 7}
    licence = ask(item)
    response = grant_in_admin(staff_client, licence)
    assert "1 request granted and its customer e-mailed." in response.content.decode()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.com"] and "Harbour at Dawn" in message.subject
    assert "Rights-managed" in message.body and "3 times" in message.body
    licence.refresh_from_db()
    assert (licence.status, licence.acted_by, licence.downloads_allowed) == ("granted", staff_user, 3)
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs(licence.download_expires_at - expected) < datetime.timedelta(minutes=5)
    path = LINK.search(message.body).group(1)
    assert hashlib.sha256(downloaded(Client(), path)).hexdigest() == item.sha256
    assert LicenceRequest.objects.get(pk=licence.pk).downloads_used == 1


def test_the_link_stops_after_the_allowed_count(staff_client, item, settings):
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_DOWNLOADS": 2}
    _, path = granted(item, staff_client)
    visitor = Client()
    assert downloaded(visitor, path) == downloaded(visitor, path)
    response = visitor.get(path)
    assert response.status_code == 410 and "used as many times" in response.content.decode()


def test_an_expired_link_is_gone(staff_client, item):
    licence, path = granted(item, staff_client)
    LicenceRequest.objects.filter(pk=licence.pk).update(download_expires_at=timezone.now() - datetime.timedelta(1))
    response = Client().get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert LicenceRequest.objects.get(pk=licence.pk).downloads_used == 0


def test_granting_again_renews_an_expired_or_used_link(staff_client, item, settings):
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_DOWNLOADS": 1}
    licence, path = granted(item, staff_client)
    downloaded(Client(), path)
    assert Client().get(path).status_code == 410
    grant_in_admin(staff_client, licence)
    assert LicenceRequest.objects.get(pk=licence.pk).downloads_used == 0
    assert downloaded(Client(), path)


def test_a_forged_or_edited_link_is_refused(staff_client, item, make_item):
    licence, path = granted(item, staff_client)
    other = ask(make_item(seed=11))  # not granted: a link to it would have to be forged
    token = path.split("/")[2]
    payload = signing.loads(token, salt=licensing.SALT)
    edited = [
        signing.dumps({**payload, "request": other.pk}, salt="guessed", compress=True),
        signing.dumps({**payload, "item": other.item.pk}, salt=licensing.SALT.upper(), compress=True),
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "not-a-token",
    ]
    for forged in edited:
        response = Client().get(reverse("page:licence-download", args=[forged]))
        assert response.status_code == 403, forged
        assert "not valid" in response.content.decode()
    assert LicenceRequest.objects.get(pk=licence.pk).downloads_used == 0


def test_a_link_signed_for_another_item_or_file_is_gone(staff_client, item, make_item):
    licence, _ = granted(item, staff_client)
    other = make_item(seed=12)
    for payload in ({"item": other.pk, "sha256": other.sha256}, {"item": item.pk, "sha256": other.sha256}):
        token = signing.dumps({"request": licence.pk, **payload}, salt=licensing.SALT, compress=True)
        assert Client().get(reverse("page:licence-download", args=[token])).status_code == 410


def test_a_link_to_a_file_since_replaced_is_gone(staff_client, item, committed):
    _, path = granted(item, staff_client)
    with committed():
        ingest.replace_image(item, imaging.load_image(encode(picture(640, 480, 70), "PNG")), "new.png")
    response = Client().get(path)
    assert response.status_code == 410 and "replaced" in response.content.decode()


def test_a_declined_request_has_no_download(staff_client, staff_user, item, mailoutbox):
    licence, path = granted(item, staff_client)
    response = grant_in_admin(staff_client, licence, action="decline")
    assert "1 request declined." in response.content.decode()
    licence.refresh_from_db()
    assert (licence.status, licence.acted_by) == ("declined", staff_user) and licence.acted_at is not None
    assert Client().get(path).status_code == 403
    assert len(mailoutbox) == 1  # the grant's only


def test_marking_quoted_records_who_and_the_pictures_price(staff_client, staff_user, item, mailoutbox):
    licence = ask(item)
    grant_in_admin(staff_client, licence, action="mark_quoted")
    licence.refresh_from_db()
    assert (licence.status, licence.acted_by, str(licence.quoted_price), licence.currency) == (
        "quoted", staff_user, "120.00", "EUR")  # fmt: skip
    assert not mailoutbox


def test_a_payment_step_can_hold_back_a_grant(staff_client, item, mailoutbox):
    """The documented hook: a `granting` receiver that raises GrantBlocked keeps the request as it was."""

    def unpaid(sender, licence, **kwargs):
        raise licensing.GrantBlocked("The quoted price has not been paid.")

    licence = ask(item)
    licensing.granting.connect(unpaid, dispatch_uid="test-unpaid")
    try:
        response = grant_in_admin(staff_client, licence)
    finally:
        licensing.granting.disconnect(dispatch_uid="test-unpaid")
    assert "The quoted price has not been paid." in response.content.decode()
    assert LicenceRequest.objects.get(pk=licence.pk).status == "new" and not mailoutbox


def test_a_mail_server_that_fails_leaves_the_request_ungranted(staff_client, item, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    licence = ask(item)
    response = grant_in_admin(staff_client, licence)
    assert "not done" in response.content.decode()
    assert LicenceRequest.objects.get(pk=licence.pk).status == "new"


def test_a_request_whose_picture_was_deleted_cannot_be_granted(staff_client, item, mailoutbox):
    licence = ask(item)
    item.delete()
    response = grant_in_admin(staff_client, licence)
    assert "removed from the catalog" in response.content.decode()
    assert LicenceRequest.objects.get(pk=licence.pk).status == "new" and not mailoutbox


@pytest.mark.django_db(transaction=True)
def test_parallel_downloads_never_go_past_the_count(item, settings):
    """Eight clicks at once on a link good for three: three downloads, on PostgreSQL where they really race."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; this race needs PostgreSQL (CI runs the suite on both).")
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_DOWNLOADS": 3}
    licence = licensing.grant(ask(item), None, lambda path: "http://testserver" + path)
    token = licensing.download_url(licence).split("/")[2]
    barrier, outcomes = threading.Barrier(8), []

    def click() -> None:
        try:
            barrier.wait()
            licensing.request_for_download(token)
            outcomes.append("served")
        except LinkRefused as refused:
            outcomes.append(refused.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [410] * 5 + ["served"] * 3
    assert LicenceRequest.objects.get(pk=licence.pk).downloads_used == 3


@pytest.mark.slow
def test_mail_goes_to_the_console_unless_an_smtp_host_is_set():
    from tests.webapp.test_settings import settings_value

    backend = "s.EMAIL_BACKEND, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_PASSWORD, s.DEFAULT_FROM_EMAIL"
    assert settings_value(f"[{backend}]", DEBUG="1") == [
        "django.core.mail.backends.console.EmailBackend", 587, True, "", "likeness@localhost"]  # fmt: skip
    environment = {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": "25", "EMAIL_USE_TLS": "0",
                   "EMAIL_HOST_PASSWORD": "pw", "DEFAULT_FROM_EMAIL": "licences@example.com"}  # fmt: skip
    smtp = settings_value(f"[{backend}]", DEBUG="1", **environment)
    assert smtp == ["django.core.mail.backends.smtp.EmailBackend", 25, False, "pw", "licences@example.com"]
    licence = settings_value('[s.LIKENESS[k] for k in ("LICENCE_DOWNLOAD_DAYS", "LICENCE_DOWNLOADS", '
                             '"LICENCE_REQUESTS_PER_HOUR")]', DEBUG="1")  # fmt: skip
    assert licence == [7, 5, 10]
