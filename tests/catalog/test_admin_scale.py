"""The admin's pages at catalog scale: what a page reads does not grow with the catalog, and lists read only
what they show (bench/admin_pages.py times them over 100,000 items; no timing here).

Rows are bulk inserted: these pages read rows, never the files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.admin_duplicates import GROUPS_PER_PAGE
from catalog.models import (
    CatalogImage,
    Creator,
    DuplicateCheck,
    DuplicatePair,
    ImportJob,
    JobState,
    LicenceRequest,
    Status,
    SuggestedTag,
)

pytestmark = pytest.mark.django_db


def add_items(count: int, **fields) -> list[CatalogImage]:
    """`count` items, each by a creator of its own, with a licence request, (in twos) a stored duplicate pair and
    (in threes) an import job."""
    start = CatalogImage.objects.count()
    creators = Creator.objects.bulk_create(Creator(name=f"Painter {start + n}") for n in range(count))
    fields.setdefault("status", Status.PUBLISHED)
    items = CatalogImage.objects.bulk_create(
        CatalogImage(title=f"Harbour {start + n}", creator=creators[n], description="A long description. " * 20,
                     width=400, height=300, format="JPEG", sha256=uuid.uuid4().hex * 2, image=f"catalog/{n}.jpg",
                     **fields)
        for n in range(count)
    )  # fmt: skip
    DuplicatePair.objects.bulk_create(
        DuplicatePair(first=a, second=b, score=90, method="hash") for a, b in zip(items[::2], items[1::2], strict=False)
    )
    LicenceRequest.objects.bulk_create(
        LicenceRequest(item=item, licence_type=item.license_type, customer_name="Ada",
                       customer_email="ada@example.test", intended_use="A book cover.") for item in items
    )  # fmt: skip
    ImportJob.objects.bulk_create(ImportJob(archive="imports/a.zip", state=JobState.DONE, summary="done")
                                  for _ in range(count // 3))  # fmt: skip
    return items


def read(client, url: str) -> list[str]:
    """The SQL of one request of `url` (after one that warms what a process keeps)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def first_request() -> str:
    return reverse("admin:catalog_licencerequest_change", args=[LicenceRequest.objects.order_by("pk").first().pk])


PAGES: dict[str, Callable[[], str]] = {
    "items": lambda: reverse("admin:catalog_catalogimage_changelist"),
    "items searched": lambda: reverse("admin:catalog_catalogimage_changelist") + "?q=harbour",
    "items searched by creator": lambda: reverse("admin:catalog_catalogimage_changelist") + "?q=painter",
    "items filtered": lambda: reverse("admin:catalog_catalogimage_changelist") + "?status__exact=published",
    "creators": lambda: reverse("admin:catalog_creator_changelist"),
    "duplicates": lambda: reverse("admin:catalog_catalogimage_duplicates"),
    "licence requests": lambda: reverse("admin:catalog_licencerequest_changelist"),
    "a licence request": first_request,
    "import jobs": lambda: reverse("admin:catalog_importjob_changelist"),
}


@pytest.mark.parametrize(("few", "more"), [(20, 40), (120, 360)], ids=["rows shown", "pages"])
@pytest.mark.parametrize("page", PAGES)
def test_a_page_makes_as_many_queries_however_many_items(staff_client, page, few, more):
    """20 and 40 rows fit one page of every list (no query per row shown); 120 and 360 fill the first page
    (nothing reads the whole list). A list that fits one page is not counted, hence the two pairs."""
    add_items(few)
    queries = len(read(staff_client, PAGES[page]()))
    add_items(more - few)
    assert len(read(staff_client, PAGES[page]())) == queries


def test_an_items_page_reads_its_suggested_tags_at_once_however_many(staff_client):
    (item,) = add_items(1)
    url = reverse("admin:catalog_catalogimage_change", args=[item.pk])

    def suggest(count: int) -> int:
        SuggestedTag.objects.bulk_create(SuggestedTag(image=item, term=f"word{n}", confidence=0.5, hidden=True)
                                         for n in range(SuggestedTag.objects.count(), count))  # fmt: skip
        return len(read(staff_client, url))

    few = suggest(3)
    assert suggest(30) == few
    assert staff_client.get(url).content.decode().count('name="suggested_tags-') > 30 * 3  # all shown, hidden ones


def test_an_import_report_makes_as_many_queries_for_600_files_as_for_6(staff_client, staff_user):
    items = add_items(6)
    report = [
        {"file": f"photo-{n}.jpg", "outcome": "imported", "item": items[n % 6].pk, "reason": ""} for n in range(6)
    ]
    job = ImportJob.objects.create(archive="imports/a.zip", state=JobState.DONE, created_by=staff_user, report=report)
    url = reverse("admin:catalog_importjob_change", args=[job.pk])
    few = len(read(staff_client, url))
    ImportJob.objects.filter(pk=job.pk).update(report=report * 100)
    assert len(read(staff_client, url)) == few


def test_the_item_list_leaves_out_the_long_texts_and_the_total_count(staff_client):
    add_items(60)
    queries = read(staff_client, reverse("admin:catalog_catalogimage_changelist") + "?status__exact=published")
    rows = [sql for sql in queries if sql.startswith('SELECT "catalog_catalogimage"."id"')]
    assert rows and all('"description"' not in sql and '"source_metadata"' not in sql for sql in rows)
    counts = [sql for sql in queries if "COUNT(" in sql and "catalog_catalogimage" in sql]
    assert len(counts) == 1 and "published" in counts[0]  # the filtered list's count, not the whole catalog's


def test_a_search_that_finds_less_than_a_page_reads_the_catalog_once(staff_client):
    add_items(60)
    CatalogImage.objects.filter(pk=CatalogImage.objects.order_by("pk")[3].pk).update(title="Lighthouse at noon")
    url = reverse("admin:catalog_catalogimage_changelist") + "?q=lighthouse"
    searches = [sql for sql in read(staff_client, url) if "LIGHTHOUSE" in sql.upper() and "catalogimage" in sql]
    assert len(searches) == 1 and "COUNT(" not in searches[0]
    html = staff_client.get(url).content.decode()
    assert "Lighthouse at noon" in html and "1 result" in html


def test_the_list_searches_creators_titles_and_quoted_phrases_and_pages_the_rest(staff_client):
    items = add_items(120)
    Creator.objects.filter(name="Painter 7").update(name="Ada Holm")
    CatalogImage.objects.filter(pk=items[60].pk).update(title="Lighthouse 60")
    url = reverse("admin:catalog_catalogimage_changelist")
    found = staff_client.get(url, {"q": '"ada holm"'}).content.decode()
    assert "Harbour 7<" in found and "Harbour 8<" not in found
    many = staff_client.get(url, {"q": "harbour"}).content.decode()
    assert "119 results" in many and "Harbour 119<" in many and "Harbour 69<" not in many  # newest 50 first
    second = staff_client.get(url, {"q": "harbour", "p": "2"}).content.decode()
    assert "Harbour 69<" in second and "Harbour 119<" not in second and "Lighthouse" not in second
    last = staff_client.get(url, {"q": "harbour", "p": "3"}).content.decode()
    assert "Harbour 0<" in last and "Harbour 19<" not in last


def test_the_duplicates_page_loads_only_the_pictures_of_the_groups_it_shows(staff_client):
    add_items(2 * GROUPS_PER_PAGE + 10)
    url = reverse("admin:catalog_catalogimage_duplicates")
    loads = [sql for sql in read(staff_client, url) if sql.startswith('SELECT "catalog_catalogimage"."id"')]
    assert len(loads) == 1 and loads[0].count(",") < 2 * GROUPS_PER_PAGE + 20  # its ids, and a few columns
    html = staff_client.get(url).content.decode()
    assert html.count('class="dup-group"') == GROUPS_PER_PAGE and f"{GROUPS_PER_PAGE + 5} groups" in html
    assert staff_client.get(url, {"page": 2}).content.decode().count('class="dup-group"') == 5


def test_the_duplicates_page_counts_unchecked_pictures_again_when_a_check_or_the_catalog_changes(staff_client):
    items = add_items(4)
    url = reverse("admin:catalog_catalogimage_duplicates")
    assert "4 images are not checked" in staff_client.get(url).content.decode()
    now = timezone.now()
    DuplicateCheck.objects.bulk_create(DuplicateCheck(image=item, sha256=item.sha256, near_at=now, full_at=now)
                                       for item in items[:3])  # fmt: skip
    assert "1 image is not checked" in staff_client.get(url).content.decode()
    DuplicateCheck.objects.filter(image=items[0]).update(full_at=None)  # its file was replaced
    assert "2 images are not checked" in staff_client.get(url).content.decode()
    items[3].delete()  # the unchecked picture leaves the catalog, through the admin's own signals
    assert "1 image is not checked" in staff_client.get(url).content.decode()


@pytest.mark.parametrize("rows", [99, 100, 101, 150, 250])
def test_the_peeking_paginator_pages_as_djangos_does(rows):
    """Page one from the rows read ahead holds what Django's own paginator would put there, no row twice."""
    from django.core.paginator import Paginator

    from catalog.admin_lists import PeekingPaginator

    ours, django = PeekingPaginator(list(range(rows)), 100), Paginator(list(range(rows)), 100)
    assert ours.num_pages == django.num_pages
    assert [list(ours.page(n)) for n in ours.page_range] == [list(django.page(n)) for n in django.page_range]
