"""Fixtures of the matching tests."""

from tests.matching.remote import remote, second_likeness  # noqa: F401
