"""Bulk import of image files with metadata: from a folder or a zip, fingerprinted in worker processes.

Shared by `manage.py import_catalog` and the admin's zip import. Every file gets one outcome:
imported, duplicate (the same file twice in this import), present (already in the catalog, by
content hash: so an interrupted import resumes), or failed (with the reason). A bad file or bad
metadata row never stops the run.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat

from catalog import ingest
from catalog.duplicates import partners
from catalog.metadata import item_fields
from catalog.models import CatalogImage, Status
from matching.algorithms import color_signature
from matching.algorithms.fingerprint import Fingerprint
from matching.errors import ImageTooLarge, LikenessError
from matching.safety import imaging

IMPORTED, DUPLICATE, PRESENT, FAILED, WOULD_IMPORT = "imported", "duplicate", "present", "failed", "would import"
SKIPPED_NAMES = ("__MACOSX/", ".")  # zip resource forks and hidden files


@dataclass(frozen=True)
class Outcome:
    file: str
    outcome: str
    item: int | None = None
    reason: str = ""


class ImportSourceError(Exception):
    """The import cannot start (unreadable source or metadata); the message says why."""


# --- sources -----------------------------------------------------------------------------------


def list_sources(path: Path) -> tuple[list[str], Callable[[str], bytes]]:
    """The image files under a folder (recursive) or in a zip, and a reader for one of them."""
    if path.is_dir():
        names = sorted(str(p.relative_to(path).as_posix()) for p in path.rglob("*") if p.is_file())
        return [n for n in names if not skipped(n)], lambda name: (path / name).read_bytes()
    if zipfile.is_zipfile(path):
        return zip_sources(path)
    if path.exists():
        raise ImportSourceError(f"{path} is neither a folder nor a zip file.")
    raise ImportSourceError(f"{path} does not exist.")


def zip_sources(archive_file) -> tuple[list[str], Callable[[str], bytes]]:
    """The image files in a zip (a path or a seekable binary file), and a reader that inflates one at a time.

    An archive over the entry or size limits (LIKENESS["MAX_ARCHIVE_ENTRIES"], ["MAX_ARCHIVE_BYTES"], as its
    directory declares them) is refused before anything is inflated; a file is read up to MAX_UPLOAD_BYTES and
    refused past it, whatever its entry declares, so memory stays flat whatever the archive claims. Names are
    labels only (files are stored under their base name): `..` or an absolute path leads nowhere.
    """
    try:
        archive = zipfile.ZipFile(archive_file)
        entries = [info for info in archive.infolist() if not info.is_dir() and not skipped(info.filename)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportSourceError(f"The archive is not a zip file, or it is damaged ({exc}).") from None
    limits = settings.LIKENESS
    if len(entries) > limits["MAX_ARCHIVE_ENTRIES"]:
        raise ImportSourceError(
            f"The archive holds {len(entries):,} files; at most {limits['MAX_ARCHIVE_ENTRIES']:,} are imported at "
            "once. Split it into smaller archives."
        )
    declared = sum(info.file_size for info in entries)
    if declared > limits["MAX_ARCHIVE_BYTES"]:
        raise ImportSourceError(
            f"The archive inflates to {filesizeformat(declared)}; at most {filesizeformat(limits['MAX_ARCHIVE_BYTES'])}"
            " are imported at once. Split it into smaller archives."
        )
    max_bytes = limits["MAX_UPLOAD_BYTES"]

    def read(name: str) -> bytes:
        info = archive.getinfo(name)
        if info.file_size > max_bytes:
            raise ImageTooLarge.over(max_bytes)
        with archive.open(info) as handle:
            data = handle.read(max_bytes + 1)  # never more than the limit and a byte, whatever was declared
        if len(data) > max_bytes:
            raise ImageTooLarge.over(max_bytes)
        return data

    return sorted(info.filename for info in entries), read


def skipped(name: str) -> bool:
    return any(part.startswith(".") for part in PurePosixPath(name).parts) or name.startswith(SKIPPED_NAMES)


# --- metadata ----------------------------------------------------------------------------------


def read_metadata(data: bytes, name: str) -> dict[str, dict]:
    """CSV (a header row with a `file` column) or JSON (a list of objects with `file`, or a mapping)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportSourceError(f"{name} is not UTF-8 text.") from None
    if name.lower().endswith(".json"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportSourceError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
        except RecursionError:
            raise ImportSourceError(f"{name} is nested too deeply.") from None
        if isinstance(parsed, dict) and all(isinstance(value, dict) for value in parsed.values()):
            parsed = [{"file": key, **value} for key, value in parsed.items()]
        if not isinstance(parsed, list) or not all(isinstance(row, dict) for row in parsed):
            raise ImportSourceError(f"{name} must hold a list of objects, or an object keyed by file name.")
        rows = parsed
    else:
        try:
            rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise ImportSourceError(f"{name} is not a readable CSV file: {exc}.") from None
    mapping = {}
    for number, row in enumerate(rows, start=1):
        key = str(row.get("file") or row.get("filename") or row.get("filepath") or "").strip()
        if not key:
            raise ImportSourceError(f"{name}, entry {number}: no 'file' column or key naming the image.")
        mapping[key] = {k: v for k, v in row.items() if k not in ("file", "filename", "filepath")}
    return mapping


def metadata_for(mapping: dict[str, dict], name: str) -> dict:
    """A file's metadata: by its path inside the import, else by its bare file name."""
    return mapping.get(name) or mapping.get(PurePosixPath(name).name) or {}


# --- the run -----------------------------------------------------------------------------------


def prepare(data: bytes, sha256: str = ""):
    """Decode as ingest does and fingerprint; an error comes back as text."""
    try:
        loaded = imaging.load_image(data, sha256=sha256)
        return loaded, ingest.describe(loaded)
    except LikenessError as exc:
        return None, str(exc)


def prepare_in_worker(files: list[tuple[bytes, str]]) -> list[tuple]:
    """`prepare` for a few files (each with its content hash) in a worker process, the look-alike model run once
    for all of them; sends back only what the importing process lacks: not the file (it has it) and not the
    decoded pixels (storing the item needs only the fingerprint made from them)."""
    decoded: list = []
    for data, sha256 in files:
        try:
            decoded.append(imaging.load_image(data, sha256=sha256))
        except LikenessError as exc:
            decoded.append(str(exc))
    pictures = [loaded for loaded in decoded if not isinstance(loaded, str)]
    try:
        described = iter(ingest.describe_many(pictures))
    except LikenessError:  # one picture the model or the fingerprint refuses: each on its own, so only it fails
        return [shipped(*prepare(data, sha256)) for data, sha256 in files]
    return [(None, loaded) if isinstance(loaded, str) else shipped(loaded, next(described)) for loaded in decoded]


def shipped(loaded, fingerprinted) -> tuple:
    """A prepared file as a worker sends it back: the file's facts, without its bytes and pixels."""
    return (replace(loaded, image=None, data=b"") if loaded is not None else None), fingerprinted


@dataclass
class NewItem:
    """A checked file waiting in a batch to be saved: its item (unsaved) and what makes it again if needed."""

    name: str
    fields: dict
    item: CatalogImage
    loaded: ingest.LoadedImage
    fingerprinted: Fingerprint

    @property
    def filename(self) -> str:
        return PurePosixPath(self.name).name


BATCH_SIZE = 16  # new items saved per transaction, in a few bulk inserts
BATCH_BYTES = 64 * 2**20  # or fewer, when their files are large: files wait in memory until their batch is saved
GROUP_BYTES = BATCH_BYTES // 4  # files read ahead of the workers, at most (a group of large files is short)
WORKER_FILES = 4  # files a worker process prepares together: the look-alike model runs once for them


class Importer:
    """One import run; `on_outcome` hears about every file as it is settled (progress bars, job rows).

    Files are decoded and fingerprinted in worker processes; the importing process checks each one
    and saves them in batches (`ingest.save_new_batch`), which takes a few statements for a batch
    where saving items one by one took some thirty each. A batch the database refuses (a name
    another import took meanwhile) is saved again one item at a time, so only that file fails.
    """

    def __init__(self, metadata: dict[str, dict] | None = None, *, publish: bool = False, workers: int = 1,
                 dry_run: bool = False, on_outcome: Callable[[Outcome], object] | None = None) -> None:  # fmt: skip
        self.metadata = metadata or {}
        self.publish, self.workers, self.dry_run = publish, max(1, workers), dry_run
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.taken: set[str] = set()  # names of the run's files that items already have

    def run(self, names: list[str], read: Callable[[str], bytes]) -> list[Outcome]:
        outcomes: list[Outcome] = []

        def settle(outcome: Outcome) -> None:
            outcomes.append(outcome)
            self.on_outcome(outcome)

        with transaction.atomic(durable=False) if self.dry_run else contextlib.nullcontext():
            batch: list[NewItem] = []
            for name, data, prepared in self._prepared(names, read, settle):
                checked = self._check(name, data, prepared)
                if isinstance(checked, Outcome):
                    settle(checked)
                    continue
                batch.append(checked)
                if len(batch) >= BATCH_SIZE or sum(len(new.loaded.data) for new in batch) >= BATCH_BYTES:
                    for outcome in self._save(batch):
                        settle(outcome)
                    batch = []
            for outcome in self._save(batch):
                settle(outcome)
            if self.dry_run:  # creators and collections named in the metadata are not kept either
                transaction.set_rollback(True)
        return outcomes

    def _candidates(self, names, read, settle) -> Iterator[tuple[str, bytes, str]]:
        """Files not yet in the catalog and not seen earlier in this run (by content hash), with that hash; the
        catalog is asked about a group of files at once (their hashes, and which of their names are taken)."""
        seen: dict[str, str] = {}
        for group in self._read_groups(names, read, settle):
            digests = [digest for _, _, digest in group]
            same_file = CatalogImage.objects.filter(sha256__in=digests).order_by("-pk").values_list("sha256", "pk")
            present = dict(same_file)  # the first item with that file, when several have it
            group_names = [name for name, _, _ in group]
            self.taken |= set(
                CatalogImage.objects.filter(identifier__in=group_names).values_list("identifier", flat=True)
            )
            for name, data, digest in group:
                if digest in seen:
                    settle(Outcome(name, DUPLICATE, reason=f"same file as {seen[digest]}"))
                    continue
                seen[digest] = name
                if digest in present:
                    settle(Outcome(name, PRESENT, item=present[digest], reason="already in the catalog"))
                    continue
                yield name, data, digest

    @staticmethod
    def _read_groups(names, read, settle) -> Iterator[list[tuple[str, bytes, str]]]:
        """The readable files with their content hash (the only time it is computed: the decode is given it),
        BATCH_SIZE files or GROUP_BYTES at a time."""
        group: list[tuple[str, bytes, str]] = []
        for name in names:
            try:
                data = read(name)
            except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, LikenessError) as exc:
                settle(Outcome(name, FAILED, reason=f"cannot be read: {exc}"))
                continue
            group.append((name, data, hashlib.sha256(data).hexdigest()))
            if len(group) >= BATCH_SIZE or sum(len(data) for _, data, _ in group) >= GROUP_BYTES:
                yield group
                group = []
        if group:
            yield group

    def _prepared(self, names, read, settle) -> Iterator[tuple[str, bytes, tuple]]:
        candidates = self._candidates(names, read, settle)
        if self.workers == 1:
            for name, data, digest in candidates:
                yield name, data, prepare(data, digest)
            return
        # A bounded window of files in flight: memory stays flat however large the import. It holds a
        # batch more than the workers need, so they keep working while a batch is being saved.
        # Few files share a worker's run of the model when they are few: every worker gets some.
        size = max(1, min(WORKER_FILES, len(names) // self.workers))
        color_signature.bin_centres()  # read once here, not by each forked worker
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            pending: dict[Future, list[tuple[str, bytes, str]]] = {}
            for files in chunks(candidates, size):
                pending[pool.submit(prepare_in_worker, [(data, digest) for _, data, digest in files])] = files
                waiting = [data for files in pending.values() for _, data, _ in files]
                if len(pending) >= 2 * self.workers and (
                    len(waiting) >= size * 2 * self.workers + BATCH_SIZE
                    or sum(len(data) for data in waiting) >= BATCH_BYTES
                ):
                    yield from self._collect(pending)
            while pending:
                yield from self._collect(pending)

    @staticmethod
    def _collect(pending: dict) -> Iterator[tuple[str, bytes, tuple]]:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: pending[f][0][0]):
            files = pending.pop(future)
            try:
                prepared = future.result()
            except Exception as exc:  # a worker that died (out of memory on a huge file) fails its files
                for name, data, _ in files:
                    yield name, data, (None, f"could not be processed: {exc}")
                continue
            for (name, data, _), (loaded, fingerprinted) in zip(files, prepared, strict=True):
                yield name, data, (loaded if loaded is None else replace(loaded, data=data), fingerprinted)

    def _check(self, name: str, data: bytes, prepared: tuple) -> Outcome | NewItem:
        """A file's outcome when it cannot be imported (or in a dry run), else the item to save."""
        loaded, fingerprinted = prepared
        if loaded is None:
            return Outcome(name, FAILED, reason=fingerprinted)
        if name in self.taken:
            return Outcome(
                name, FAILED, reason="another file was imported under this name; rename it or delete that item"
            )
        try:
            fields = item_fields(metadata_for(self.metadata, name), default_title=title_from(name))
        except ValidationError as exc:
            return Outcome(name, FAILED, reason=" ".join(exc.messages))
        if self.publish:
            fields["status"] = Status.PUBLISHED
        new = NewItem(name, fields, CatalogImage(identifier=name, **fields), loaded, fingerprinted)
        try:
            ingest.check_new(new.item, loaded, unique=False)  # the name was checked above
        except ValidationError as exc:
            return failed_validation(name, exc)
        return Outcome(name, WOULD_IMPORT) if self.dry_run else new

    def _save(self, batch: list[NewItem]) -> list[Outcome]:
        if not batch:
            return []
        try:
            ingest.save_new_batch([(new.item, new.loaded, new.filename, new.fingerprinted) for new in batch])
        except DatabaseError:
            return [self._save_one(new) for new in batch]
        return [Outcome(new.name, IMPORTED, item=new.item.pk) for new in batch]

    def _save_one(self, new: NewItem) -> Outcome:
        """One item on its own, made afresh (the batch's attempt may have given it a primary key)."""
        try:
            item = ingest.create_item(new.loaded, filename=new.filename, fingerprinted=new.fingerprinted,
                                      identifier=new.name, **new.fields)  # fmt: skip
        except ValidationError as exc:
            return failed_validation(new.name, exc)
        return Outcome(new.name, IMPORTED, item=item.pk)


def chunks(items: Iterator, size: int) -> Iterator[list]:
    """Consecutive lists of `size` items (the last one shorter), taken as they come."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def failed_validation(name: str, exc: ValidationError) -> Outcome:
    """A file whose item does not validate (full_clean's errors, by field)."""
    return Outcome(name, FAILED, reason=" ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))


def title_from(name: str) -> str:
    """'paintings/evening_harbour-2.jpg' → 'Evening harbour 2'."""
    stem = PurePosixPath(name).stem.replace("_", " ").replace("-", " ").strip()
    return (stem[:1].upper() + stem[1:]) or name


def summarize(outcomes: list[Outcome]) -> str:
    counts = {kind: sum(1 for o in outcomes if o.outcome == kind)
              for kind in (IMPORTED, WOULD_IMPORT, DUPLICATE, PRESENT, FAILED)}  # fmt: skip
    first = f"would import {counts[WOULD_IMPORT]}" if counts[WOULD_IMPORT] else f"imported {counts[IMPORTED]}"
    return (f"{first.capitalize()}, skipped {counts[DUPLICATE]} as duplicate, skipped {counts[PRESENT]} as "
            f"already present, {counts[FAILED]} failed.")  # fmt: skip


def write_report(outcomes: list[Outcome], stream) -> None:
    """One CSV row per file; "same picture as" names the catalog items an imported one duplicates, as stored when
    the report is written (catalog.duplicate_checks: edited copies once the background check has run)."""
    same = partners([o.item for o in outcomes if o.outcome == IMPORTED and o.item is not None])
    writer = csv.writer(stream)
    writer.writerow(["file", "outcome", "item", "reason", "same picture as"])
    for outcome in sorted(outcomes, key=lambda o: o.file):
        others = " ".join(str(i) for i in same.get(outcome.item or 0, []))
        writer.writerow([outcome.file, outcome.outcome, outcome.item or "", outcome.reason, others])
