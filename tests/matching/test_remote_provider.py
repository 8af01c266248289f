"""MATCH_PROVIDER=remote against a real second Likeness serving /rest/ on loopback (no mocks of the remote).

The second instance has its own database and media folder and runs in its own gunicorn process.
The instance under test is this test process (its test database), configured with the remote
provider pointing at it.
"""

from __future__ import annotations

import io

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from catalog import ingest
from catalog.models import CatalogImage
from matching.checks import remote_provider_answers
from matching.models import RemoteImage
from matching.providers import compare_images, get_provider, match_image
from matching.safety import imaging
from matching.safety.imaging import load_image
from search import service
from search.query import Filters, SearchQuery
from tests.conftest import upload
from tests.images import as_query, encode, picture
from tests.matching.remote import rest, use_remote
from tests.servers import SilentPort

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def png(seed: int, width: int = 640, height: int = 480) -> bytes:
    return encode(picture(width, height, seed), "PNG")


def edited(seed: int) -> bytes:
    return encode(picture(640, 480, seed).crop((20, 15, 620, 465)).resize((480, 360)), "JPEG", quality=80)


def test_items_added_here_are_counted_and_listed_there(remote, make_item):
    items = [make_item(seed=s, data=png(s)) for s in (1, 2, 3)]
    assert rest(remote, "count")["result"] == [3]
    assert set(rest(remote, "list", params={"limit": 10})["result"]) == {item.identifier for item in items}
    assert get_provider().count() == 3


def test_images_are_sent_downscaled_not_as_originals(remote, make_item):
    make_item(seed=4, data=encode(picture(1600, 1200, 4), "JPEG", quality=95))
    listed = requests.get(remote.rest_url.replace("/rest/", "/api/v1/items/"), auth=(remote.USER, remote.PASSWORD),
                          timeout=30).json()["results"]  # fmt: skip
    assert [(row["width"], row["height"], row["format"]) for row in listed] == [(800, 600, "JPEG")]


def test_an_edited_copy_finds_its_item_with_filters_applied(remote, make_item):
    old = make_item(seed=5, data=png(5), title="Old Harbour", year=1890)
    make_item(seed=6, data=png(6), title="New Harbour", year=1990)
    query = load_image(edited(5))
    results = service.search(SearchQuery(images=(query,), kind="copy"))
    assert [hit.item.pk for hit in results.hits] == [old.pk]
    match = results.hits[0].match
    assert match.details["method"] == "remote" and 0 < match.score <= 100 and match.target_overlap < 100
    assert service.search(SearchQuery(images=(query,), filters=Filters(year_from=1900), kind="copy")).total == 0


def test_where_a_detail_matched_comes_back_from_the_remote(remote, make_item):
    item = make_item(seed=11, data=png(11))
    detail = picture(640, 480, 11).crop((0, 0, 320, 240))  # the top left quarter
    match = match_image(as_query(encode(detail, "JPEG", quality=90)))[0]
    assert match.image_id == item.pk and match.details["method"] == "remote"
    assert all(abs(got - want) < 0.06 for got, want in zip(match.target_box, (0, 0, 0.5, 0.5), strict=True))


def test_the_partner_api_searches_through_the_remote(remote, make_item, client):
    item = make_item(seed=7, data=png(7), title="Mill")
    response = client.post(reverse("api:search"), {"image": upload("q.jpg", edited(7))})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [item.pk]
    assert response.json()["results"][0]["match"]["method"] == "remote"


def test_deletes_and_replaced_images_reach_the_remote(remote, make_item, committed):
    kept, dropped = make_item(seed=8, data=png(8)), make_item(seed=9, data=png(9))
    with committed():
        dropped.delete()
    assert rest(remote, "list")["result"] == [kept.identifier]
    assert not RemoteImage.objects.filter(image_id=dropped.pk).exists()
    with committed():
        ingest.replace_image(kept, imaging.load_image(png(10)), "replacement.png")
    assert rest(remote, "count")["result"] == [1]
    assert [m.image_id for m in match_image(as_query(edited(10)))] == [kept.pk]
    assert match_image(as_query(edited(8))) == []


def test_a_metadata_edit_sends_nothing(remote, make_item, committed):
    item = make_item(seed=21, data=png(21))
    sent_at = RemoteImage.objects.get(image_id=item.pk).added_at
    with committed():
        item.title = "A better title"
        item.save()
    assert RemoteImage.objects.get(image_id=item.pk).added_at == sent_at
    assert rest(remote, "list")["result"] == [item.identifier]


def test_a_partly_refused_batch_records_only_what_was_added(remote, make_item):
    item = make_item(seed=22, data=png(22))
    RemoteImage.objects.all().delete()
    refused = "x" * 300  # longer than any filepath the remote accepts
    get_provider().push([(item.pk, item.identifier, item.sha256, picture(320, 240, 22)),
                         (999_999, refused, "0" * 64, picture(320, 240, 23))])  # fmt: skip
    assert list(RemoteImage.objects.values_list("image_id", flat=True)) == [item.pk]
    assert rest(remote, "list")["result"] == [item.identifier]


def test_a_changed_identifier_replaces_the_remote_filepath(remote, make_item, committed):
    item = make_item(seed=11, data=png(11))
    with committed():
        item.identifier = "renamed/harbour.png"
        item.save()
    assert rest(remote, "list")["result"] == ["renamed/harbour.png"]


def test_filepaths_unknown_to_the_catalog_are_ignored_and_logged(remote, make_item, caplog):
    requests.post(remote.rest_url + "add/", auth=(remote.USER, remote.PASSWORD), timeout=30,
                  files={"image": ("x.png", png(12))}, data={"filepath": "not-ours.png"})  # fmt: skip
    assert match_image(as_query(edited(12))) == []
    assert "not-ours.png" in caplog.text and "not in the catalog" in caplog.text


def test_compare_goes_to_the_remote(remote):
    same = compare_images(as_query(edited(13)), as_query(png(13)))
    different = compare_images(as_query(png(14)), as_query(png(13)))
    assert same is not None and same.details["method"] == "remote" and different is None


def test_update_index_pushes_the_catalog_and_deletes_what_is_gone(remote, make_item, settings, capsys):
    with SilentPort() as stalled:  # items made while the remote is unreachable are saved, not indexed
        use_remote(settings, stalled.url, timeout=0.5)
        items = [make_item(seed=s, data=png(s)) for s in (15, 16, 17)]
    use_remote(settings, remote.rest_url)
    assert rest(remote, "count")["result"] == [0] and CatalogImage.objects.count() == 3
    requests.post(remote.rest_url + "add/", auth=(remote.USER, remote.PASSWORD), timeout=30,
                  files={"image": ("x.png", png(18))}, data={"filepath": "left-behind.png"})  # fmt: skip
    call_command("update_index", "--reconcile")
    assert set(rest(remote, "list")["result"]) == {item.identifier for item in items}
    assert "match index holds 3" in capsys.readouterr().out
    RemoteImage.objects.filter(image_id=items[0].pk).delete()  # forget one: reconcile sends only that one
    call_command("update_index", "--reconcile", "--skip-matching")
    call_command("update_index")
    assert rest(remote, "count")["result"] == [3] and RemoteImage.objects.count() == 3


def test_a_stalled_remote_is_a_503_and_words_still_search(settings, make_item, client):
    make_item(seed=19, data=png(19), title="Harbour at Noon")
    with SilentPort() as stalled:
        use_remote(settings, stalled.url, timeout=0.5)
        response = client.post(reverse("api:search"), {"image": upload("q.jpg", edited(19))})
        assert response.status_code == 503 and "did not answer within 0.5 s" in response.json()["detail"]
        assert [row["title"] for row in client.get(reverse("api:search"), {"q": "harbour"}).json()["results"]] == [
            "Harbour at Noon"
        ]
        assert remote_provider_answers()[0].id == "search.W002"


def test_a_stopped_remote_keeps_items_and_indexing_catches_up(remote, settings, make_item, client, caplog):
    remote.stop()
    try:
        item = make_item(seed=20, data=png(20), title="Harbour in Fog")  # saved, though the remote is down
        assert "cannot be reached" in caplog.text and CatalogImage.objects.filter(pk=item.pk).exists()
        api = client.post(reverse("api:search"), {"image": upload("q.jpg", edited(20))})
        assert api.status_code == 503 and "cannot be reached" in api.json()["detail"]
        rest_api = client.post("/rest/search/", {"image": upload("q.jpg", edited(20))},
                               headers={"authorization": basic_auth_header(settings, client)})  # fmt: skip
        assert rest_api.status_code == 503 and rest_api.json()["status"] == "fail"
        token = client.post(reverse("page:upload"), {"image": upload("q.jpg", edited(20))},
                            headers={"accept": "application/json"}).json()["token"]  # fmt: skip
        page = client.get("/", {"image": token, "q": "fog"}).content.decode()
        assert "Image search is unavailable right now" in page and "Harbour in Fog" in page
        assert remote_provider_answers()[0].id == "search.W002"
    finally:
        remote.start()
    assert remote_provider_answers() == []
    call_command("update_index", "--reconcile", verbosity=0)
    assert rest(remote, "list")["result"] == [item.identifier]
    assert [m.image_id for m in match_image(as_query(edited(20)))] == [item.pk]


def basic_auth_header(settings, client) -> str:
    """Basic credentials of a staff user of the instance under test (for its own /rest/)."""
    import base64

    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("rest-staff", password="pw", is_staff=True)
    return "Basic " + base64.b64encode(b"rest-staff:pw").decode()


def test_the_remote_provider_needs_its_url(settings):
    from django.core.exceptions import ImproperlyConfigured

    use_remote(settings, "")
    with pytest.raises(ImproperlyConfigured, match="MATCHENGINE_URL"):
        get_provider()


def test_sent_images_keep_their_aspect_and_short_side():
    from matching.providers.remote import jpeg

    sent = Image.open(io.BytesIO(jpeg(picture(1600, 900, 1))))
    assert sent.size == (1067, 600) and sent.format == "JPEG"
    small = Image.open(io.BytesIO(jpeg(picture(300, 200, 1))))
    assert small.size == (300, 200)  # never enlarged
