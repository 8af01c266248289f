"""Who sees drafts, on every surface: one rule (catalog.visibility.sees_drafts), the same answers everywhere.

A draft is invisible to anonymous visitors and plain accounts: every surface answers for it exactly
as for an id that does not exist, and its title appears nowhere. Staff, and partners who may change
the catalog, see it.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import Status

pytestmark = pytest.mark.django_db
SECRET = "Unreleased Lighthouse"
UNKNOWN = 987654


@pytest.fixture
def draft(make_item):
    make_item(seed=1, title="Published Harbour")
    return make_item(seed=2, title=SECRET, status=Status.DRAFT)


@pytest.fixture(params=["anonymous", "plain"])
def outsider(request, client, plain_user):
    if request.param == "plain":
        client.force_login(plain_user)
    return client


@pytest.fixture(params=["staff", "partner"])
def insider(request, client, staff_user, plain_user):
    if request.param == "staff":
        client.force_login(staff_user)
    else:
        plain_user.user_permissions.add(Permission.objects.get(codename="change_catalogimage"))
        client.force_login(plain_user)
    return client


def surfaces(pk: int) -> dict[str, str]:
    return {
        "page similar_to": f"{reverse('page:search')}?similar_to={pk}",
        "item page": reverse("page:item", args=[pk]),
        "thumbnail": reverse("page:thumbnail", args=[pk, "small"]),
        "api search similar_to": f"{reverse('api:search')}?similar_to={pk}",
        "api item": reverse("api:item-detail", args=[pk]),
        "api similar": reverse("api:item-similar", args=[pk]),
    }


def test_outsiders_get_for_a_draft_exactly_what_they_get_for_no_item(outsider, draft):
    for name, url in surfaces(draft.pk).items():
        response = outsider.get(url)
        unknown = outsider.get(surfaces(UNKNOWN)[name])
        assert response.status_code == unknown.status_code and response.status_code in (400, 404), name
        assert SECRET not in response.content.decode(), name


def test_outsiders_never_find_a_draft_by_words(outsider, draft):
    assert SECRET not in outsider.get(reverse("page:search"), {"q": "lighthouse"}).content.decode()
    assert outsider.get(reverse("api:search"), {"q": "lighthouse"}).json()["count"] == 0
    assert outsider.get(reverse("api:item-list"), {"q": "lighthouse"}).json()["count"] == 0


def test_staff_and_catalog_editors_see_drafts_everywhere(insider, draft):
    for name, url in surfaces(draft.pk).items():
        response = insider.get(url)
        assert response.status_code in (200, 302), (name, response.status_code)
    assert f"Looks like: {SECRET}" in insider.get(surfaces(draft.pk)["page similar_to"]).content.decode()
    assert insider.get(reverse("api:search"), {"q": "lighthouse"}).json()["count"] == 1
