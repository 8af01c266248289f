import pytest
from django.core.exceptions import ImproperlyConfigured

from matching.providers import get_provider
from matching.providers.local import LocalHashProvider
from search.backends import get_search_backend
from search.backends.database import DatabaseSearchBackend


def test_settings_name_a_module_or_a_class(settings):
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
    assert isinstance(get_search_backend(), DatabaseSearchBackend)
    settings.LIKENESS_MATCH_PROVIDERS = {"default": {"BACKEND": "matching.providers.local.LocalHashProvider"}}
    assert isinstance(get_provider(), LocalHashProvider)


def test_an_unknown_backend_or_name_is_a_configuration_error(settings):
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.solr"}}
    with pytest.raises(ImproperlyConfigured, match="Unknown search backend"):
        get_search_backend()
    with pytest.raises(ImproperlyConfigured, match="No search backend named 'other'"):
        get_search_backend("other")


def test_options_are_passed_and_settings_are_not_mutated(settings):
    configured = {"default": {"BACKEND": "matching.providers.local", "ACCEPT_DISTANCE": 20}}
    settings.LIKENESS_MATCH_PROVIDERS = configured
    assert get_provider().thresholds.accept_distance == 20
    assert configured == {"default": {"BACKEND": "matching.providers.local", "ACCEPT_DISTANCE": 20}}
    assert get_provider() is get_provider()
