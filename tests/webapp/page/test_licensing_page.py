"""The licence request form on the item page: shown for published pictures, validated, CSRF-protected and
rate-limited per client address; a thank-you page after a request."""

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Collection, LicenceRequest, Status

pytestmark = pytest.mark.django_db

VALID = {"customer_name": "Ada Holm", "customer_email": "ada@example.com", "organisation": "Holm Press",
         "intended_use": "Cover of a book on harbours, print run 5,000."}  # fmt: skip


@pytest.fixture
def item(make_item):
    return make_item(seed=5, title="Evening Harbour", license_type="editorial")


def form_url(item) -> str:
    return reverse("page:licence-request", args=[item.pk])


def test_the_item_page_links_to_the_form_which_shows_the_licence_type(client, item):
    assert f'href="{form_url(item)}"' in client.get(item.get_absolute_url()).content.decode()
    html = client.get(form_url(item)).content.decode()
    assert "Editorial use only" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="usage"' not in html and 'name="size"' not in html  # the collection offers no choice


def test_a_valid_request_is_stored_and_thanked(client, item):
    response = client.post(form_url(item), VALID)
    assert response.status_code == 302 and response["Location"] == reverse("page:licence-thanks", args=[item.pk])
    assert "Thank you" in client.get(response["Location"]).content.decode()
    licence = LicenceRequest.objects.get()
    assert (licence.item, licence.licence_type, licence.status) == (item, "editorial", "new")
    assert (licence.customer_email, licence.organisation, licence.requested_by) == ("ada@example.com", "Holm Press",
                                                                                   None)  # fmt: skip


def test_the_collections_usage_and_size_are_offered_and_checked(client, make_item):
    collection = Collection.objects.create(name="Harbours", usage_options="Web\nPrint", size_options="Full size")
    item = make_item(seed=6, collection=collection)
    html = client.get(form_url(item)).content.decode()
    assert '<option value="Print">Print</option>' in html and '<option value="Full size">' in html
    response = client.post(form_url(item), {**VALID, "usage": "Broadcast", "size": "Full size"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(form_url(item), {**VALID, "usage": "Print", "size": "Full size"})
    assert LicenceRequest.objects.values_list("usage", "size").get() == ("Print", "Full size")


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"customer_email": "not an address"}, "Enter a valid email address."),
     ({"customer_name": ""}, "This field is required."),
     ({"intended_use": "x" * 5001}, "at most 5000 characters"),
     ({"customer_name": "a\x00b"}, "Null characters are not allowed.")],
    ids=["email", "name", "long", "nul"],
)  # fmt: skip
def test_an_invalid_request_is_shown_again_with_the_error(client, item, changes, message):
    response = client.post(form_url(item), {**VALID, **changes})
    assert response.status_code == 200 and message in response.content.decode()
    assert not LicenceRequest.objects.exists()


def test_the_form_needs_its_csrf_token(item):
    response = Client(enforce_csrf_checks=True).post(form_url(item), VALID)
    assert response.status_code == 403 and not LicenceRequest.objects.exists()


def test_more_requests_than_the_hour_allows_are_a_form_error(client, item, settings):
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_REQUESTS_PER_HOUR": 2}
    assert [client.post(form_url(item), VALID).status_code for _ in range(2)] == [302, 302]
    response = client.post(form_url(item), VALID)
    assert response.status_code == 429 and "Too many licence requests" in response.content.decode()
    assert LicenceRequest.objects.count() == 2
    other_address = client.post(form_url(item), VALID, REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302 and LicenceRequest.objects.count() == 3


def test_invalid_submissions_do_not_use_up_the_allowance(client, item, settings):
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_REQUESTS_PER_HOUR": 1}
    for _ in range(3):
        client.post(form_url(item), {**VALID, "customer_email": "wrong"})
    assert client.post(form_url(item), VALID).status_code == 302


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_a_draft_has_no_licence_form(client, make_item, staff_user, who):
    draft = make_item(seed=8, status=Status.DRAFT)
    if who == "staff":
        client.force_login(staff_user)
        assert form_url(draft) not in client.get(draft.get_absolute_url()).content.decode()
    assert client.get(form_url(draft)).status_code == 404
    assert client.post(form_url(draft), VALID).status_code == 404
    assert client.get(reverse("page:licence-thanks", args=[draft.pk])).status_code == 404
    assert not LicenceRequest.objects.exists()


def test_an_unknown_item_has_no_licence_form(client):
    assert client.get("/items/999999/license/").status_code == 404


def test_the_download_link_is_get_only_and_a_bad_one_says_why(client):
    response = client.get(reverse("page:licence-download", args=["forged"]))
    assert response.status_code == 403 and "not valid" in response.content.decode()
    assert client.post(reverse("page:licence-download", args=["forged"])).status_code == 405
