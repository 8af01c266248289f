"""A crawl of everything a visitor can reach: no answer may carry an original, or a picture larger than the preview.

Starting from the home page, a words search, an image search, every item page and the partner API's
answers, every link and every URL in every page and JSON answer is followed (same site only) and
every answer is checked: its bytes are not any original's (SHA-256), an image is at most
PREVIEW_SIZE on its long side, and nothing of a draft (its page, renditions or file) is served.
Run as an anonymous visitor and as a partner whose token lacks the download permission.
"""

import hashlib
import io
import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from PIL import Image

from catalog import renditions
from catalog.models import CatalogImage, Collection, Status
from tests.conftest import token_header, upload
from tests.corpus import artwork
from tests.images import encode

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
MAX_FETCHES = 400
SKIPPED = ("/static/", "/admin/", "/api/schema", "/api/docs")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if not value:
                continue
            if name in ("href", "src", "action", "poster", "data-src", "data-url"):
                self.found.append(value)
            elif name == "srcset":
                self.found += [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]


def urls_in_json(value) -> list[str]:
    if isinstance(value, dict):
        return [url for item in value.values() for url in urls_in_json(item)]
    if isinstance(value, list):
        return [url for item in value for url in urls_in_json(item)]
    if isinstance(value, str) and (value.startswith("/") or value.startswith("http://testserver/")):
        return [value]
    return []


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def catalog(make_item):
    collection = Collection.objects.create(name="Harbour Museum")
    published = [
        make_item(data=encode(artwork(seed, max_side=None).resize((1600, 1200)), "JPEG"), title=f"Harbour {seed}",
                  tags="harbour, boats", collection=collection, status=Status.PUBLISHED)
        for seed in (11, 12, 13)
    ]  # fmt: skip
    draft = make_item(data=encode(artwork(14, max_side=None).resize((1600, 1200)), "PNG"), title="Harbour draft",
                      tags="harbour", status=Status.DRAFT)  # fmt: skip
    return published, draft


def crawl(client, headers: dict, start: list[str]) -> dict[str, tuple[int, str, bytes]]:
    """Every same-site URL reachable from `start`: path -> (status, content type, bytes)."""
    seen: dict[str, tuple[int, str, bytes]] = {}
    queue = list(start)
    while queue and len(seen) < MAX_FETCHES:
        url = queue.pop(0)
        parts = urlsplit(urljoin("http://testserver/", url))
        if parts.netloc != "testserver" or parts.path.startswith(SKIPPED):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen:
            continue
        response = client.get(path, **headers)
        data = body(response)
        kind = response.get("Content-Type", "")
        seen[path] = (response.status_code, kind, data)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
        elif kind.startswith("text/html"):
            parser = Links()
            parser.feed(data.decode())
            queue += parser.found
        elif kind.startswith("application/json"):
            queue += urls_in_json(json.loads(data))
    return seen


def start_urls(client, headers: dict, published) -> list[str]:
    picture = body(client.get(f"/items/{published[0].pk}/thumbnail/preview/", **headers))
    searched = client.post("/search/image/", {"image": upload("q.jpg", picture)}, HTTP_ACCEPT="application/json",
                           **headers)  # fmt: skip
    api_search = client.post("/api/v1/search/", {"image": upload("q.jpg", picture)}, **headers)
    return ["/", "/?q=harbour", searched.json()["search_url"], "/api/v1/items/", "/api/v1/search/?q=harbour",
            *urls_in_json(api_search.json()), *(f"/items/{item.pk}/" for item in published),
            *(f"/api/v1/items/{item.pk}/similar/" for item in published)]  # fmt: skip


def assert_no_original_and_no_draft(seen, draft) -> None:
    originals = {item.sha256 for item in CatalogImage.objects.all()}
    draft_files = {hashlib.sha256(renditions.render(draft, kind)).hexdigest() for kind in renditions.KINDS}
    images = 0
    for path, (status, kind, data) in seen.items():
        digest = hashlib.sha256(data).hexdigest()
        assert digest not in originals, f"{path} served an original"
        assert digest not in draft_files, f"{path} served a draft's rendition"
        assert f"/items/{draft.pk}/" not in path or status == 404, path
        assert b"Harbour draft" not in data, f"{path} named the draft"
        if status == 200 and kind.startswith("image/"):
            images += 1
            assert max(Image.open(io.BytesIO(data)).size) <= settings.LIKENESS["PREVIEW_SIZE"], path
    assert images >= 9  # three published items, each with two thumbnails and a preview, were reached


def test_an_anonymous_visitor_reaches_no_original_and_nothing_of_a_draft(client, catalog):
    published, draft = catalog
    seen = crawl(client, {}, start_urls(client, {}, published))
    assert len(seen) > 20
    assert_no_original_and_no_draft(seen, draft)


def test_a_partner_without_the_download_permission_reaches_no_original(client, catalog, django_user_model):
    published, draft = catalog
    partner = django_user_model.objects.create_user("partner", password="pw")
    partner.user_permissions.add(Permission.objects.get(codename="use_matchengine_api"))
    headers = token_header(partner)
    seen = crawl(client, headers, start_urls(client, headers, published))
    assert all(json.loads(data).get("original_url") is None for path, (_, kind, data) in seen.items()
               if path.startswith("/api/v1/items/") and kind.startswith("application/json")
               and "results" not in json.loads(data))  # fmt: skip
    assert_no_original_and_no_draft(seen, draft)


@pytest.mark.parametrize("who", ["anonymous", "partner"])
def test_no_file_of_a_draft_is_served_to_anyone_who_cannot_see_it(client, catalog, who, django_user_model):
    _, draft = catalog
    headers = {} if who == "anonymous" else token_header(django_user_model.objects.create_user("p", password="pw"))
    for kind in (*renditions.KINDS, "large"):
        assert client.get(f"/items/{draft.pk}/thumbnail/{kind}/", **headers).status_code == 404
    assert client.get(f"/items/{draft.pk}/", **headers).status_code == 404
    assert client.get(f"/api/v1/items/{draft.pk}/", **headers).status_code == 404
    for name in (draft.image.name, renditions.rendition_name(draft, "preview")):
        assert client.get(f"/media/{name}", **headers).status_code == 404
