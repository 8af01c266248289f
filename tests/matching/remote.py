"""A second Likeness on loopback for the remote provider: fixtures and helpers (the remote tests share one)."""

import pytest
import requests

from matching.providers import reset_providers
from tests.servers import LikenessInstance


@pytest.fixture(scope="session")
def second_likeness(tmp_path_factory):
    instance = LikenessInstance(tmp_path_factory.mktemp("second-likeness")).start()
    yield instance
    instance.stop()


def use_remote(settings, url: str, timeout: float = 10.0) -> None:
    settings.LIKENESS_MATCH_PROVIDERS = {"default": {
        "BACKEND": "matching.providers.remote", "URL": url, "USER": LikenessInstance.USER,
        "PASSWORD": LikenessInstance.PASSWORD, "TIMEOUT": timeout, "RETRIES": 1, "BACKOFF": 0.05,
    }}  # fmt: skip
    reset_providers()


def rest(instance: LikenessInstance, name: str, method: str = "get", **kwargs) -> dict:
    response = requests.request(method, instance.rest_url + name + "/", auth=(instance.USER, instance.PASSWORD),
                                timeout=30, **kwargs)  # fmt: skip
    return response.json()


@pytest.fixture
def remote(settings, second_likeness):
    """The remote provider, pointing at an emptied second Likeness."""
    held = rest(second_likeness, "list", params={"limit": 1000})["result"]
    if held:
        rest(second_likeness, "delete", "delete", params={f"filepaths[{n}]": f for n, f in enumerate(held)})
    use_remote(settings, second_likeness.rest_url)
    return second_likeness
