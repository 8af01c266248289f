"""Concurrent writers of one identifier, on PostgreSQL where they really run at once (real threads,
one database connection each): each race ends with one item, one stored file and a clean answer for both."""

import threading

import pytest
from django.db import connection
from django.test import Client

from catalog.models import CatalogImage
from tests.conftest import token_header, upload
from tests.hostile import media_files
from tests.images import encode, picture

ROUNDS = 15


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; this race needs PostgreSQL (CI runs the suite on both).")


def race(send) -> list[int]:
    """Run `send(n)` in two threads that start together; their status codes."""
    barrier, statuses = threading.Barrier(2), []

    def run(n: int) -> None:
        try:
            barrier.wait()
            statuses.append(send(n))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def race_rounds(user, path: str, fields, expected: list[int]) -> None:
    """ROUNDS races of two requests to `path` for one identifier each; every race ends with one item,
    the answers `expected`, and no file of a loser left in storage."""
    header = token_header(user)
    files = media_files()  # what earlier tests of this process left
    for round_ in range(ROUNDS):
        identifier = f"race-{round_}"

        def send(n: int, identifier=identifier) -> int:
            data = {"image": upload("r.png", encode(picture(160, 120, 100 + n), "PNG"), "image/png"),
                    **fields(identifier)}  # fmt: skip
            return Client().post(path, data, **header).status_code

        assert race(send) == expected
        assert CatalogImage.objects.filter(identifier=identifier).count() == 1
    assert len(media_files() - files) == CatalogImage.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_two_rest_adds_of_one_filepath_overwrite_as_matchengine_does(postgresql_only, staff_user):
    race_rounds(staff_user, "/rest/add/", lambda identifier: {"filepath": identifier}, [200, 200])


@pytest.mark.django_db(transaction=True)
def test_two_partner_creates_of_one_identifier_give_one_item_and_a_400(postgresql_only, staff_user):
    fields = lambda identifier: {"title": "Race", "identifier": identifier}  # noqa: E731
    race_rounds(staff_user, "/api/v1/items/", fields, [201, 400])


@pytest.mark.django_db
def test_a_uniqueness_failure_of_the_identifier_is_told_apart_from_other_validation_errors(make_item):
    """A concurrent /rest/add/ whose rival committed before its uniqueness check overwrites, as at the insert."""
    from django.core.exceptions import ValidationError

    from webapp.rest.views import identifier_taken

    make_item(identifier="taken")
    with pytest.raises(ValidationError) as taken:
        CatalogImage(identifier="taken", title="Second", image="catalog/second.png").full_clean(exclude=["image"])
    with pytest.raises(ValidationError) as other:
        CatalogImage(identifier="free", title="x" * 301, image="catalog/third.png").full_clean(exclude=["image"])
    assert identifier_taken(taken.value) and not identifier_taken(other.value)
