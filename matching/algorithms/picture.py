"""A decoded picture and the facts read from its file: what every algorithm here works on."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image and the facts read from its file."""

    image: Image.Image  # RGB, upright; possibly reduced (see `draft_size`)
    format: str  # one of ACCEPTED_FORMATS
    width: int  # of the upright original, before any draft reduction
    height: int
    data: bytes  # the original file
    sha256: str

    @property
    def file_size(self) -> int:
        return len(self.data)

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000
