"""Derive `imagenet_terms.tsv`: for each ImageNet-1k class, the words it and its WordNet hypernyms go by.

Run once by a developer; the product only reads the TSV it writes (nothing is fetched at run time):

    pip download --no-deps timm -d /tmp/timm && unzip -q /tmp/timm/timm-*.whl 'timm/data/_info/*' -d /tmp/timm
    apt-get install wordnet-base      # WordNet 3.0, whose noun offsets are ImageNet's wnids
    python matching/embeddings/data/make_imagenet_terms.py \\
        --synsets /tmp/timm/timm/data/_info/imagenet_synsets.txt --wordnet /usr/share/wordnet/data.noun

`imagenet_synsets.txt` (timm, Apache-2.0) lists the 1000 wnids in the classifier's output order.
WordNet 3.0 (Princeton's WordNet licence, which allows any use with its notice) gives each synset's
lemmas and hypernyms. A class's terms are its own lemmas and those of every hypernym, most specific
first, leaving out the most general synsets (fewer than MIN_DEPTH steps from `entity`: "object",
"whole", "artifact", "organism", "structure"), which would match nearly every picture. Only
one-word lemmas are kept: a multi-word one ("steam locomotive") has its head noun among the
hypernyms already, and its other words mislead ("garden truck" is produce, "great white shark" is
not white). Capitalised lemmas (Latin genera, proper names) are left out.
"""

from __future__ import annotations

import argparse
import functools
import re
from pathlib import Path

MIN_DEPTH = 6
HERE = Path(__file__).resolve().parent


def read_wordnet(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    lemmas, parents = {}, {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue  # the licence header
        fields = line.split(" | ")[0].split()
        offset, count = fields[0], int(fields[3], 16)
        words = fields[4 : 4 + 2 * count : 2]
        rest = fields[4 + 2 * count :]
        pointers = int(rest[0])
        hypernyms = [rest[1 + 4 * i + 1] for i in range(pointers) if rest[1 + 4 * i] in ("@", "@i")]
        lemmas[offset], parents[offset] = words, hypernyms
    return lemmas, parents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synsets", type=Path, required=True)
    parser.add_argument("--wordnet", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=HERE / "imagenet_terms.tsv")
    args = parser.parse_args()
    lemmas, parents = read_wordnet(args.wordnet)

    @functools.cache
    def depth(offset: str) -> int:
        return 0 if not parents[offset] else 1 + min(depth(parent) for parent in parents[offset])

    def words(offset: str) -> list[str]:
        found = []
        for lemma in lemmas[offset]:
            lemma = re.sub(r"\(.*\)$", "", lemma)  # adjective markers such as "(a)"
            if re.fullmatch(r"[a-z][a-z'-]*", lemma) and lemma not in found:
                found.append(lemma)
        return found

    lines = []
    for index, wnid in enumerate(args.synsets.read_text().split()):
        order, frontier, seen = [], [wnid[1:]], set()
        while frontier:  # breadth first: nearer hypernyms first
            offset = frontier.pop(0)
            if offset in seen:
                continue
            seen.add(offset)
            if depth(offset) >= MIN_DEPTH:
                order += [word for word in words(offset) if word not in order]
            frontier += parents[offset]
        lines.append(f"{index}\t{wnid}\t{' '.join(order)}")
    args.out.write_text(
        "# ImageNet-1k class -> its WordNet 3.0 terms, most specific first. Made by make_imagenet_terms.py.\n"
        + "\n".join(lines)
        + "\n"
    )


if __name__ == "__main__":
    main()
