"""weights.verify on a copy of the installed weights with one file damaged, and the service started
on such a copy: it must name the file, and the service must exit with 78 without serving."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from cinema_models import weights
from cinema_models.__main__ import EXIT_BAD_WEIGHTS

from . import support

INSTALLED = weights.default_folder()


def copy_weights(model: weights.Model, into: Path) -> Path:
    """The model's installed files in a folder of their own under `into`, hard-linked where the
    file system allows (the base model is 145 MB). A test that damages a file replaces the link
    with its own copy first (`own_copy`), so that the installed file is never written."""
    source = INSTALLED / model.folder
    target = into / model.folder
    target.mkdir(parents=True)
    for name in model.files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / name, target / name)
        except OSError:
            shutil.copyfile(source / name, target / name)
    return target


def own_copy(path: Path) -> Path:
    data = path.read_bytes()
    path.unlink()  # the link goes; the installed file keeps its bytes
    path.write_bytes(data)
    return path


def truncate(path: Path) -> None:
    own_copy(path)
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)


def flip_one_byte(path: Path) -> None:
    own_copy(path)
    with path.open("r+b") as file:
        file.seek(path.stat().st_size // 3)
        byte = file.read(1)
        file.seek(-1, os.SEEK_CUR)
        file.write(bytes([byte[0] ^ 0x01]))


def remove(path: Path) -> None:
    path.unlink()


class Verify(unittest.TestCase):
    # tiny.en: the same check as base, on half the bytes to hash.
    model = weights.model("tiny.en")

    @classmethod
    def setUpClass(cls):
        if not (INSTALLED / cls.model.folder / "model.bin").is_file():
            raise unittest.SkipTest(f"the {cls.model.name} weights are not installed in {INSTALLED}")

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cinema-weights-"))
        self.addCleanup(shutil.rmtree, self.folder)
        self.directory = copy_weights(self.model, self.folder)

    def test_the_installed_copy_checks(self):
        self.assertEqual(weights.verify(self.model, self.folder), self.directory)

    def test_each_kind_of_damage_names_the_file(self):
        cases = [
            (truncate, "tokenizer.json", "is not the published file"),
            (flip_one_byte, "model.bin", "is not the published file"),
            (flip_one_byte, "vocabulary.txt", "is not the published file"),
            (remove, "config.json", "is missing"),
        ]
        for damage, name, says in cases:
            with self.subTest(damage=damage.__name__, file=name):
                shutil.rmtree(self.directory)
                copy_weights(self.model, self.folder)
                damage(self.directory / name)
                with self.assertRaises(weights.WeightsError) as caught:
                    weights.verify(self.model, self.folder)
                message = str(caught.exception)
                self.assertIn(str(self.directory / name), message)
                self.assertIn(says, message)
                self.assertIn("install", message)  # says what to do about it

    def test_the_installed_files_are_untouched(self):
        # After the damage above (any order): the real weights still check.
        truncate(self.directory / "model.bin")
        self.assertEqual(weights.verify(self.model, INSTALLED), INSTALLED / self.model.folder)

    def test_a_file_without_a_published_hash_is_refused(self):
        hashes = self.folder / "weights.sha256"
        lines = [line for line in weights.HASH_LIST.read_text().splitlines() if "tiny.en/config.json" not in line]
        hashes.write_text("\n".join(lines) + "\n")
        with self.assertRaises(weights.WeightsError) as caught:
            weights.verify(self.model, self.folder, hashes)
        self.assertIn("whisper-tiny.en/config.json", str(caught.exception))

    def test_an_unknown_model_name(self):
        with self.assertRaises(weights.WeightsError) as caught:
            weights.model("large")
        self.assertIn("base, tiny.en", str(caught.exception))


class VerifyEmbedding(unittest.TestCase):
    """The same check on the embedding model's files (model.safetensors is 91 MB)."""

    model = weights.EMBEDDING_MODEL

    @classmethod
    def setUpClass(cls):
        if not (INSTALLED / cls.model.folder / "model.safetensors").is_file():
            raise unittest.SkipTest(f"the embedding weights are not installed in {INSTALLED}")

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cinema-weights-"))
        self.addCleanup(shutil.rmtree, self.folder)
        self.directory = copy_weights(self.model, self.folder)

    def test_the_weights_are_held_to_the_hash_sentence_transformers_publishes(self):
        published = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
        self.assertEqual(weights.published_hashes()["minilm-l6-v2/model.safetensors"], published)
        self.assertEqual(weights.verify(self.model, self.folder), self.directory)

    def test_each_kind_of_damage_names_the_file(self):
        cases = [
            (flip_one_byte, "model.safetensors", "is not the published file"),
            (truncate, "tokenizer.json", "is not the published file"),
            (remove, "1_Pooling/config.json", "The embedding model all-MiniLM-L6-v2 is not installed"),
        ]
        for damage, name, says in cases:
            with self.subTest(damage=damage.__name__, file=name):
                shutil.rmtree(self.directory)
                copy_weights(self.model, self.folder)
                damage(self.directory / name)
                with self.assertRaises(weights.WeightsError) as caught:
                    weights.verify(self.model, self.folder)
                message = str(caught.exception)
                self.assertIn(str(self.directory / name), message)
                self.assertIn(says, message)
                self.assertIn("install", message)
        self.assertEqual(weights.verify(self.model, INSTALLED), INSTALLED / self.model.folder)


class StartWithDamagedWeights(unittest.TestCase):
    """The service on a weights folder whose base model.bin is not the published one."""

    def test_exits_78_with_a_clear_message_without_serving(self):
        folder = Path(tempfile.mkdtemp(prefix="cinema-weights-"))
        self.addCleanup(shutil.rmtree, folder)
        base = weights.model("base")
        directory = folder / base.folder
        directory.mkdir()
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            try:
                os.link(INSTALLED / base.folder / name, directory / name)
            except OSError:
                shutil.copyfile(INSTALLED / base.folder / name, directory / name)
        (directory / "model.bin").write_bytes(b"not a CTranslate2 model" * 1000)

        finished = self.run_service("--weights", str(folder), "serve", "--port", "0")
        self.assertEqual(finished.returncode, EXIT_BAD_WEIGHTS, finished.stderr)
        self.assertNotIn("listening", finished.stdout)
        self.assertIn(str(directory / "model.bin"), finished.stderr)
        self.assertIn("is not the published file", finished.stderr)
        self.assertIn("cinema-models/install", finished.stderr)
        self.assertNotIn("Traceback", finished.stderr)

    def test_exits_78_when_the_embedding_weights_are_not_the_published_ones(self):
        # Whisper's files are whole; the embedding model's safetensors has one byte changed. The
        # check comes before either model loads, so this fails at once.
        folder = Path(tempfile.mkdtemp(prefix="cinema-weights-"))
        self.addCleanup(shutil.rmtree, folder)
        copy_weights(weights.model("tiny.en"), folder)
        directory = copy_weights(weights.EMBEDDING_MODEL, folder)
        flip_one_byte(directory / "model.safetensors")

        finished = self.run_service("--weights", str(folder), "serve", "--port", "0", "--model", "tiny.en")
        self.assertEqual(finished.returncode, EXIT_BAD_WEIGHTS, finished.stderr)
        self.assertNotIn("listening", finished.stdout)
        self.assertIn(str(directory / "model.safetensors"), finished.stderr)
        self.assertIn("is not the published file", finished.stderr)
        self.assertNotIn("Traceback", finished.stderr)

    def test_exits_78_when_the_model_is_not_installed(self):
        with tempfile.TemporaryDirectory(prefix="cinema-weights-") as folder:
            finished = self.run_service("--weights", folder, "serve", "--port", "0")
        self.assertEqual(finished.returncode, EXIT_BAD_WEIGHTS, finished.stderr)
        self.assertIn("is not installed", finished.stderr)
        self.assertNotIn("listening", finished.stdout)

    def test_refuses_to_listen_beyond_loopback(self):
        finished = self.run_service("serve", "--host", "0.0.0.0", "--port", "0")
        self.assertEqual(finished.returncode, 64, finished.stderr)
        self.assertIn("loopback only", finished.stderr)

    def run_service(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "cinema_models", *arguments],
            cwd=support.MODELS_DIR,
            env=support._environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )


if __name__ == "__main__":
    unittest.main()
