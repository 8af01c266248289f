"""/api/v1/licence-requests/: partners send and list their own requests with their token; staff see every one."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Collection, LicenceRequest, Status
from tests.webapp.api.test_partner_api import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/licence-requests/"


@pytest.fixture
def partners(django_user_model):
    return [django_user_model.objects.create_user(name, password="pw") for name in ("north", "south")]


@pytest.fixture
def item(make_item):
    return make_item(seed=4, title="Quiet Lake", license_type="rights-managed")


def body(item, **fields) -> dict:
    """A request for `item` (an item, or just an id)."""
    return {"item": getattr(item, "pk", item), "customer_name": "Ada Holm", "customer_email": "ada@example.com",
            "intended_use": "A poster.", **fields}  # fmt: skip


def test_a_partner_creates_a_request_that_carries_the_pictures_licence(partners, item):
    response = client_for(partners[0]).post(URL, body(item, organisation="Holm Press"), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["item"] == item.pk and created["item_title"] == "Quiet Lake"
    assert created["licence_type"] == "rights-managed" and created["status"] == "new"
    assert created["requested_by"] == "north" and created["downloads_allowed"] == 0
    assert LicenceRequest.objects.get(pk=created["id"]).requested_by == partners[0]


def test_what_staff_decide_cannot_be_written(partners, item):
    sent = body(item, status="granted", downloads_allowed=1000, quoted_price="0.01", licence_type="editorial")
    created = client_for(partners[0]).post(URL, sent, format="json").json()
    assert (created["status"], created["downloads_allowed"], created["quoted_price"]) == ("new", 0, None)
    assert created["licence_type"] == "rights-managed"


def test_partners_list_and_read_only_their_own_requests_and_staff_see_all(partners, item, staff_user):
    north, south = (client_for(partner) for partner in partners)
    mine = north.post(URL, body(item), format="json").json()["id"]
    theirs = south.post(URL, body(item, customer_name="Bo Berg"), format="json").json()["id"]
    listed = north.get(URL).json()
    assert listed["count"] == 1 and [row["id"] for row in listed["results"]] == [mine]
    assert north.get(f"{URL}{mine}/").status_code == 200
    assert north.get(f"{URL}{theirs}/").status_code == 404
    assert {row["id"] for row in client_for(staff_user).get(URL).json()["results"]} == {mine, theirs}


def test_a_request_outlives_its_deleted_item(partners, item):
    client = client_for(partners[0])
    created = client.post(URL, body(item), format="json").json()
    item.delete()
    kept = client.get(f"{URL}{created['id']}/").json()
    assert (kept["item"], kept["item_title"], kept["customer_name"]) == (None, None, "Ada Holm")


def test_requests_from_the_public_form_are_listed_to_no_partner(partners, item, client):
    client.post(f"/items/{item.pk}/license/", body(item))
    assert LicenceRequest.objects.count() == 1
    assert client_for(partners[0]).get(URL).json()["count"] == 0


@pytest.mark.parametrize("status", [Status.DRAFT, None], ids=["draft", "unknown"])
def test_a_draft_or_unknown_item_is_a_400_with_a_reason(partners, make_item, staff_user, status):
    pk = make_item(seed=9, status=status).pk if status else 999_999
    for user in (partners[0], staff_user):  # staff may see drafts, yet a draft is not for licensing
        response = client_for(user).post(URL, body(pk), format="json")
        assert response.status_code == 400
        assert response.json() == {"item": ["No published picture has this id."]}
    assert not LicenceRequest.objects.exists()


def test_choices_outside_the_collections_options_are_a_400(partners, make_item):
    item = make_item(seed=10, collection=Collection.objects.create(name="Lakes", usage_options="Web\nPrint"))
    client = client_for(partners[0])
    response = client.post(URL, body(item, usage="Broadcast"), format="json")
    assert response.status_code == 400 and response.json() == {"usage": ["Choose one of: Web, Print."]}
    assert client.post(URL, body(item, usage="Web"), format="json").status_code == 201


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_email": "nope"},
        {"item": "x"},
        {"item": 10**19},
        {"item": None},
        {"intended_use": ""},
        {"customer_name": "a\x00b"},
    ],
    ids=["email", "item-text", "item-huge", "item-null", "no-use", "nul"],
)
def test_invalid_fields_are_400_per_field(partners, item, changes):
    response = client_for(partners[0]).post(URL, {**body(item), **changes}, format="json")
    assert response.status_code == 400 and set(response.json()) == set(changes)


def test_anonymous_callers_are_refused(item):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, body(item), format="json").status_code == 401
    assert not LicenceRequest.objects.exists()


def test_creating_is_throttled_like_the_other_writes(partners, item, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # Rates are read when DRF loads; patching the loaded table is how a test lowers them.
    rates = {"anon": "100/min", "search": "100/min", "writes": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = client_for(partners[0])
    statuses = [client.post(URL, body(item), format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429] and LicenceRequest.objects.count() == 2
    assert client.get(URL).status_code == 200  # reading is in the search scope


def test_the_schema_documents_the_endpoint(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert set(paths[URL]) == {"get", "post"} and set(paths[URL + "{id}/"]) == {"get"}
