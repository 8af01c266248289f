"""The ProviderBehaviour suite on each provider: local (the default), and remote against a second Likeness."""

import pytest

from tests.matching.provider_behaviour import ProviderBehaviour


class TestLocalProvider(ProviderBehaviour):
    """The default settings: the local hash index."""


@pytest.mark.xdist_group("remote-likeness")
class TestRemoteProvider(ProviderBehaviour):
    @pytest.fixture(autouse=True)
    def provider(self, remote):
        """The remote provider, talking to a second, emptied Likeness on loopback."""
        return remote
