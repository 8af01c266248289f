"""The match provider of the scaled-out shape: the hash provider over Elasticsearch's chunk terms.

`MATCH_PROVIDER=elasticsearch`: the window keys live in Elasticsearch
(matching.index.hashes_elastic), so no web process holds a hash index; everything else (verification,
the embedding stage on the look-alike index, the decision rules) is the hash provider's
(matching.providers.local). `EMBEDDING_CANDIDATES=0` turns the embedding stage off.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from matching.index import elastic
from matching.index.hashes_elastic import ElasticsearchHashCandidates
from matching.providers.local import HashProvider


class ChunkTermProvider(HashProvider):
    def __init__(
        self, URLS=(), INDEX: str = "likeness-keys", OPTIONS: dict | None = None, REFRESH: bool = False, **options: Any
    ) -> None:
        if not URLS:
            raise ImproperlyConfigured("The chunk-term provider needs URLS (ELASTICSEARCH_URL).")
        super().__init__(ElasticsearchHashCandidates(elastic.client(URLS, OPTIONS), INDEX, refresh=REFRESH), **options)


Provider = ChunkTermProvider
