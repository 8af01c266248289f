"""The requests TinEye's official MatchEngine and MulticolorEngine Python clients (tineyeservices) make, on the
wire: one `requests` call per method, GET with query parameters when no file is sent and POST with the query
parameters plus multipart files otherwise, Python values as `requests` encodes them (True -> "True", a list
-> the key repeated), HTTP Basic auth, raise_for_status on anything but 200, then the JSON.

The client is not on PyPI (and its code is not ours to ship), so this restates its wire protocol, method by
method, from reading it: parameter names, the array syntax (urls[0], filepaths[0], colors[0]...), defaults,
and its quirks (a batch upload's file name is a time stamp; weights[i] of some colour methods carry the whole
weights list). Every request sent is recorded, so tests can compare it with what the client sends.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.auth import HTTPBasicAuth


@dataclass
class Picture:
    """As tineyeservices.Image: data from a local file or a URL, a collection filepath, optional metadata."""

    path: str = ""
    url: str = ""
    collection_filepath: str = ""
    metadata: str | None = None

    def __post_init__(self) -> None:
        self.data = open(self.path, "rb").read() if self.path else None  # noqa: SIM115 (a tiny test file)
        if not self.collection_filepath:
            self.collection_filepath = self.path or os.path.basename(self.url)


@dataclass(frozen=True)
class Sent:
    method: str  # HTTP method
    path: str  # /rest/<method>/
    query: tuple[tuple[str, str], ...]  # query parameters in order, repeated keys kept
    files: tuple[str, ...]  # multipart field names


class Wire:
    """TinEyeServiceRequest and its MatchEngine / MulticolorEngine subclasses, as requests on the wire."""

    def __init__(self, api_url: str, username: str | None = None, password: str | None = None) -> None:
        assert api_url.endswith("/rest/")
        self.api_url, self.username, self.password = api_url, username, password
        self.sent: list[Sent] = []

    def _request(self, method: str, params: dict, file_params: dict | None = None, **kwargs: Any) -> dict:
        auth = HTTPBasicAuth(self.username, self.password) if self.username is not None else None
        params.update(kwargs)
        url = self.api_url + method + "/"
        if file_params is None:
            response = requests.get(url, params=params, auth=auth, timeout=60)
        else:
            response = requests.post(url, params=params, files=file_params, auth=auth, timeout=60)
        prepared = response.request
        pairs = tuple(parse_qsl(urlsplit(str(prepared.url)).query, keep_blank_values=True))
        self.sent.append(Sent(str(prepared.method), f"/rest/{method}/", pairs, tuple(file_params or ())))
        if response.status_code != requests.codes.ok:
            response.raise_for_status()
        return response.json()

    # --- every service ---------------------------------------------------------------------------

    def delete(self, filepaths: list[str], **kwargs: Any) -> dict:
        return self._request("delete", {f"filepaths[{n}]": fp for n, fp in enumerate(filepaths)}, **kwargs)

    def count(self, **kwargs: Any) -> dict:
        return self._request("count", {}, **kwargs)

    def list(self, offset: int = 0, limit: int = 20, **kwargs: Any) -> dict:
        return self._request("list", {"offset": offset, "limit": limit}, **kwargs)

    def ping(self, **kwargs: Any) -> dict:
        return self._request("ping", {}, **kwargs)

    # --- adding (MatchEngine's, and MulticolorEngine's with metadata and ignore_background) ------------

    def add_image(self, images: list[Picture], multicolor: bool = False, **kwargs: Any) -> dict:
        params: dict = {"ignore_background": True} if multicolor else {}
        files = {}
        for n, image in enumerate(images):
            files[f"images[{n}]"] = (f"{time.time()}.{n}", image.data)  # the client's dummy file name
            params[f"filepaths[{n}]"] = image.collection_filepath
            if multicolor and image.metadata is not None:
                params[f"metadata[{n}]"] = image.metadata
        return self._request("add", params, files, **kwargs)

    def add_url(self, images: list[Picture], multicolor: bool = False, **kwargs: Any) -> dict:
        params: dict = {"ignore_background": True} if multicolor else {}
        for n, image in enumerate(images):
            params[f"urls[{n}]"] = image.url
            params[f"filepaths[{n}]"] = image.collection_filepath
            if multicolor and image.metadata is not None:
                params[f"metadata[{n}]"] = image.metadata
        return self._request("add", params, **kwargs)

    # --- MatchEngine -------------------------------------------------------------------------------

    def search_image(self, image: Picture, min_score=0, offset=0, limit=10, check_horizontal_flip=False, **kw) -> dict:
        params = {"min_score": min_score, "offset": offset, "limit": limit,
                  "check_horizontal_flip": check_horizontal_flip}  # fmt: skip
        return self._request("search", params, {"image": (image.collection_filepath, image.data)}, **kw)

    def search_filepath(self, filepath, min_score=0, offset=0, limit=10, check_horizontal_flip=False, **kw) -> dict:
        params = {"filepath": filepath, "min_score": min_score, "offset": offset, "limit": limit,
                  "check_horizontal_flip": check_horizontal_flip}  # fmt: skip
        return self._request("search", params, **kw)

    def search_url(self, url, min_score=0, offset=0, limit=10, check_horizontal_flip=False, **kw) -> dict:
        params = {"url": url, "min_score": min_score, "offset": offset, "limit": limit,
                  "check_horizontal_flip": check_horizontal_flip}  # fmt: skip
        return self._request("search", params, **kw)

    def compare_image(self, image_1: Picture, image_2: Picture, min_score=0, check_horizontal_flip=False, **kw):
        files = {"image1": (image_1.collection_filepath, image_1.data),
                 "image2": (image_2.collection_filepath, image_2.data)}  # fmt: skip
        params = {"min_score": min_score, "check_horizontal_flip": check_horizontal_flip}
        return self._request("compare", params, files, **kw)

    def compare_url(self, url_1, url_2, min_score=0, check_horizontal_flip=False, **kw) -> dict:
        params = {"url1": url_1, "url2": url_2, "min_score": min_score, "check_horizontal_flip": check_horizontal_flip}
        return self._request("compare", params, **kw)

    # --- MulticolorEngine: colour search -----------------------------------------------------------

    @staticmethod
    def _search(metadata="", return_metadata="", sort_metadata=False, min_score=0, offset=0, limit=5000,
                colors: bool = True, ignore_background=True, ignore_interior_background=True) -> dict:  # fmt: skip
        params: dict = {"ignore_background": ignore_background,
                        "ignore_interior_background": ignore_interior_background} if colors else {}  # fmt: skip
        params.update({"metadata": metadata, "return_metadata": return_metadata, "sort_metadata": sort_metadata,
                       "min_score": min_score, "offset": offset, "limit": limit})  # fmt: skip
        return params

    def color_search_image(self, image: Picture, **options: Any) -> dict:
        files = {"image": (image.collection_filepath, image.data)}
        return self._request("color_search", self._search(**options), files)

    def color_search_filepath(self, filepath: str, **options: Any) -> dict:
        return self._request("color_search", {"filepath": filepath, **self._search(**options)})

    def color_search_url(self, url: str, **options: Any) -> dict:
        return self._request("color_search", {"url": url, **self._search(**options)})

    def search_color(self, colors: list[str], weights: list | None = None, **options: Any) -> dict:
        params = self._search(**options)
        params.update({f"colors[{n}]": color for n, color in enumerate(colors)})
        params.update({f"weights[{n}]": str(weight) for n, weight in enumerate(weights or [])})
        return self._request("color_search", params)

    def search_metadata(self, metadata="", return_metadata="", sort_metadata=False, min_score=0, offset=0,
                        limit=5000) -> dict:  # fmt: skip
        options = {"metadata": metadata, "return_metadata": return_metadata, "sort_metadata": sort_metadata,
                   "min_score": min_score, "offset": offset, "limit": limit}  # fmt: skip
        return self._request("color_search", self._search(colors=False, **options))

    # --- MulticolorEngine: colours of pictures and of the collection ----------------------------------

    @staticmethod
    def _background(params: dict) -> dict:
        return {"ignore_background": True, "ignore_interior_background": True, **params}

    def extract_image_colors_image(self, images: list[Picture], limit=32, color_format="rgb") -> dict:
        params = {"limit": limit, **self._background({}), "color_format": color_format}
        files = {f"images[{n}]": (image.collection_filepath, image.data) for n, image in enumerate(images)}
        return self._request("extract_image_colors", params, files)

    def extract_image_colors_url(self, urls: list[str], limit=32, color_format="rgb") -> dict:
        params = {"limit": limit, **self._background({}), "color_format": color_format}
        params.update({f"urls[{n}]": url for n, url in enumerate(urls)})
        return self._request("extract_image_colors", params)

    def count_image_colors_image(self, images: list[Picture], count_colors: list[str]) -> dict:
        params = self._background({f"count_colors[{n}]": color for n, color in enumerate(count_colors)})
        files = {f"images[{n}]": (image.collection_filepath, image.data) for n, image in enumerate(images)}
        return self._request("count_image_colors", params, files)

    def count_image_colors_url(self, urls: list[str], count_colors: list[str]) -> dict:
        params = self._background({f"count_colors[{n}]": color for n, color in enumerate(count_colors)})
        params.update({f"urls[{n}]": url for n, url in enumerate(urls)})
        return self._request("count_image_colors", params)

    def extract_collection_colors(self, limit=32, color_format="rgb", **extra: Any) -> dict:
        return self._request("extract_collection_colors", {"limit": limit, "color_format": color_format, **extra})

    def extract_collection_colors_metadata(self, metadata: str, limit=32, color_format="rgb") -> dict:
        return self.extract_collection_colors(limit, color_format, metadata=metadata)

    def extract_collection_colors_colors(self, colors: list[str], weights: list | None = None, limit=32,
                                         color_format="rgb") -> dict:  # fmt: skip
        weights = weights or []
        extra = {f"colors[{n}]": color for n, color in enumerate(colors)}
        extra.update({f"weights[{n}]": weights for n in range(len(weights))})  # sic: the whole list each time
        return self.extract_collection_colors(limit, color_format, **extra)

    def extract_collection_colors_filepath(self, filepaths: list[str], limit=32, color_format="rgb") -> dict:
        extra = {f"filepaths[{n}]": fp for n, fp in enumerate(filepaths)}
        return self.extract_collection_colors(limit, color_format, **extra)

    def count_collection_colors(self, count_colors: list[str], **extra: Any) -> dict:
        params = {f"count_colors[{n}]": color for n, color in enumerate(count_colors)}
        return self._request("count_collection_colors", {**extra, **params})

    def count_collection_colors_metadata(self, metadata: str, count_colors: list[str]) -> dict:
        return self.count_collection_colors(count_colors, metadata=metadata)

    def count_collection_colors_colors(self, colors: list[str], weights: list | None = None,
                                       count_colors: list[str] | None = None) -> dict:  # fmt: skip
        weights = weights or []
        extra: dict = {f"colors[{n}]": color for n, color in enumerate(colors)}
        extra.update({f"weights[{n}]": weights for n in range(len(weights))})  # sic, as the client sends them
        return self.count_collection_colors(count_colors or [], **extra)

    def count_collection_colors_filepath(self, filepaths: list[str], count_colors: list[str]) -> dict:
        extra = {f"filepaths[{n}]": fp for n, fp in enumerate(filepaths)}
        return self.count_collection_colors(count_colors, **extra)

    def count_metadata(self, count_metadata: list[str], **extra: Any) -> dict:
        params = {f"count_metadata[{n}]": query for n, query in enumerate(count_metadata)}
        return self._request("count_metadata", {**extra, **params})

    # --- metadata ----------------------------------------------------------------------------------

    def update_metadata(self, filepaths: list[str], metadata: list[str]) -> dict:
        params = {f"filepaths[{n}]": fp for n, fp in enumerate(filepaths)}
        params.update({f"metadata[{n}]": m for n, m in enumerate(metadata)})
        return self._request("update_metadata", params)

    def get_metadata(self, filepaths: list[str]) -> dict:
        return self._request("get_metadata", {f"filepaths[{n}]": fp for n, fp in enumerate(filepaths)})

    def get_search_metadata(self) -> dict:
        return self._request("get_search_metadata", {})

    def get_return_metadata(self) -> dict:
        return self._request("get_return_metadata", {})


def dumps(value: Any) -> str:
    return json.dumps(value)
