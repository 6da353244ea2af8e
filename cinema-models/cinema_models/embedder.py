"""Sentence embeddings: sentence-transformers/all-MiniLM-L6-v2 run in numpy, float32 on the CPU.

The model is a 6-layer BERT (384 wide, 12 heads) that sentence-transformers follows with mean
pooling over the real tokens and L2 normalisation. Its forward pass is a few matrix products a
layer, so numpy does it, over the published safetensors file, instead of PyTorch or an ONNX export
whose weights nobody publishes a hash for; what comes out is what sentence-transformers returns for
the same text (the tests hold it to an independent int8 ONNX export).

Threads: the service runs numpy's BLAS on one thread (__main__ sets OPENBLAS_NUM_THREADS) and
spreads a request's batches over `threads` workers instead. OpenBLAS's own threads wait for each
other by spinning, and on a 2-core box shared with Whisper (or anything) that turned 64 lines from
0.4 s into 5 s; workers on separate batches never wait for each other, and numpy lets go of the GIL
in its products and elementwise work.

Thread safety: everything loaded is read only after `Embedder.__init__` (the tokenizer's truncation
is set there, once), so any number of request threads may call `embed` at once.
"""

from __future__ import annotations

import json
import math
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

MODEL_NAME = "all-MiniLM-L6-v2"
# Sentences at most per forward pass, and bounds on its padded size: tokens (B × L) and the
# attention scores' size (B × L², times 12 heads and 4 bytes: 48 MB at the bound), so that a
# request of long lines does not make one pass of gigabytes. Padding costs as much as text, so a
# pass also ends before its padded tokens would pass twice its real ones (and a little more).
BATCH_SENTENCES = 64
BATCH_TOKENS = 8192
BATCH_SCORES = 1 << 20
BATCH_WASTE = 64
# Added to the attention scores of padding: exp() of it is exactly 0 in float32, so a padded
# sentence attends to what it would alone.
MASKED = np.float32(-1e9)


class EmbeddingError(Exception):
    """The embedding model's files cannot be read as all-MiniLM-L6-v2."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file as numpy arrays (copies, so the file is not held open).
    The format is an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
    shape and byte range, and the raw little-endian data: reading it needs neither PyTorch nor the
    safetensors package."""
    dtypes = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
    data = path.read_bytes()
    if len(data) < 8:
        raise EmbeddingError(f"{path} is too short to be a safetensors file.")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise EmbeddingError(f"{path}: its header claims {length} bytes; the file has {len(data)}.")
    try:
        header = json.loads(data[8 : 8 + length])
    except ValueError as error:
        raise EmbeddingError(f"{path}: its header is not JSON ({error}).") from None
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = dtypes.get(entry.get("dtype"))
        if dtype is None:
            raise EmbeddingError(f"{path}: tensor {name} has dtype {entry.get('dtype')}, which this reader does not know.")
        start, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        if not 0 <= start <= end <= len(data) - base or end - start != math.prod(shape) * np.dtype(dtype).itemsize:
            raise EmbeddingError(f"{path}: tensor {name}'s byte range {start}..{end} does not fit its shape {shape}.")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=base + start).reshape(shape).copy()
    return tensors


def _erf_tail(a: np.ndarray) -> np.ndarray:
    """1 − erf(a) for a ≥ 0, by Abramowitz and Stegun 7.1.26 (absolute error under 1.5e-7 in exact
    arithmetic, 5e-7 in float32, far below what moves an embedding), worked in place: the GELU of
    a batch runs over millions of values, and every temporary costs a pass over them."""
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    tail = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        tail += np.float32(coefficient)
        tail *= t
    square = np.square(a)
    np.negative(square, out=square)
    np.exp(square, out=square)
    tail *= square
    return tail


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise (numpy has none and scipy is not here)."""
    return np.sign(x) * (1.0 - _erf_tail(np.abs(x)))


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, the exact (erf) form rather than the tanh approximation: x·(1 + erf(x/√2))/2,
    which for either sign of x is max(x, 0) − |x|·(1 − erf(|x|/√2))/2."""
    magnitude = np.abs(x)
    tail = _erf_tail(magnitude * np.float32(1 / math.sqrt(2)))
    tail *= magnitude
    tail *= 0.5
    out = np.maximum(x, 0)
    out -= tail
    return out


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


@dataclass(frozen=True)
class Layer:
    """One encoder layer's weights, laid out for `x @ W`: PyTorch stores a Linear's weight as
    (out, in), so each is transposed once at load. Query, key and value are one product."""

    qkv: np.ndarray  # (hidden, 3 × hidden)
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray  # (hidden, intermediate)
    up_bias: np.ndarray
    down: np.ndarray  # (intermediate, hidden)
    down_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # (sentences, dimensions) float32, each of unit length
    tokens: int  # tokens read, [CLS] and [SEP] included, after truncation


class Embedder:
    """all-MiniLM-L6-v2 from its folder: model.safetensors, config.json, tokenizer.json,
    sentence_bert_config.json (the 256-token limit) and 1_Pooling/config.json (mean pooling)."""

    def __init__(self, folder: Path, threads: int = 1):
        config = json.loads((folder / "config.json").read_text())
        settings = json.loads((folder / "sentence_bert_config.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens") or config.get("hidden_act") != "gelu":
            raise EmbeddingError(f"{folder} is not a mean-pooled BERT with GELU, which this embedder runs.")
        self.name = MODEL_NAME
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.max_tokens = int(settings["max_seq_length"])
        self.dimensions = int(pooling["word_embedding_dimension"])
        self._load(read_safetensors(folder / "model.safetensors"), int(config["num_hidden_layers"]))
        # tokenizer.json pads and truncates to 128 for BERT's own use; sentence-transformers reads
        # 256 tokens of a sentence, and padding is done here per batch.
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.threads = max(1, threads)
        self._workers = ThreadPoolExecutor(self.threads, thread_name_prefix="embed") if self.threads > 1 else None

    def _load(self, tensors: dict[str, np.ndarray], layers: int) -> None:
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

        def tensor(name: str) -> np.ndarray:
            try:
                return np.asarray(tensors[prefix + name], dtype=np.float32)
            except KeyError:
                raise EmbeddingError(f"model.safetensors has no tensor {prefix + name}.") from None

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(tensor(f"{name}.weight").T), tensor(f"{name}.bias")

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return tensor(f"{name}.weight"), tensor(f"{name}.bias")

        self.word_embeddings = tensor("embeddings.word_embeddings.weight")
        self.position_embeddings = tensor("embeddings.position_embeddings.weight")
        # One sentence, so every token is of type 0.
        self.token_type = tensor("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.layers = []
        for index in range(layers):
            name = f"encoder.layer.{index}"
            parts = [linear(f"{name}.attention.self.{part}") for part in ("query", "key", "value")]
            self.layers.append(
                Layer(
                    np.ascontiguousarray(np.concatenate([weight for weight, _ in parts], axis=1)),
                    np.concatenate([bias for _, bias in parts]),
                    *linear(f"{name}.attention.output.dense"),
                    norm(f"{name}.attention.output.LayerNorm"),
                    *linear(f"{name}.intermediate.dense"),
                    *linear(f"{name}.output.dense"),
                    norm(f"{name}.output.LayerNorm"),
                )
            )
        if self.position_embeddings.shape[0] < self.max_tokens:
            raise EmbeddingError("the model has fewer positions than sentence_bert_config.json's max_seq_length.")

    def warm_up(self) -> None:
        """One sentence through, so the first request does not pay for first-touch allocations."""
        self.embed(["The model service is starting."])

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids, [CLS] … [SEP], cut to the model's 256 tokens."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]

    def embed(self, texts: list[str]) -> Embeddings:
        """A unit vector for each text, in order. Texts are run shortest first in batches padded
        to their longest, so a big request wastes little on padding."""
        ids = self.token_ids(texts)
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        # Enough batches for every worker: 64 lines in two passes of 32 on two workers.
        most = min(BATCH_SENTENCES, max(8, math.ceil(len(texts) / self.threads)))
        groups = [[order[i] for i in batch] for batch in batches([len(ids[i]) for i in order], most)]
        inputs = [[ids[i] for i in group] for group in groups]
        encoded = self._workers.map(self.encode, inputs) if self._workers and len(groups) > 1 else map(self.encode, inputs)
        for group, result in zip(groups, encoded):
            vectors[group] = result
        return Embeddings(vectors, sum(len(sentence) for sentence in ids))

    def encode(self, ids: list[list[int]]) -> np.ndarray:
        """Sentences of token ids through the encoder, mean-pooled over their real tokens and
        normalised: (sentences, dimensions)."""
        count, length = len(ids), max(len(sentence) for sentence in ids)
        tokens = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, sentence in enumerate(ids):
            tokens[row, : len(sentence)] = sentence
            mask[row, : len(sentence)] = 1.0
        x = self.word_embeddings[tokens] + self.position_embeddings[:length] + self.token_type
        x = layer_norm(x, *self.embedding_norm, self.eps)
        # Padding is never attended to: (sentences, 1, 1, keys), broadcast over heads and queries.
        masked = ((1.0 - mask) * MASKED)[:, None, None, :]
        for layer in self.layers:
            x = self._layer(x, layer, masked)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, np.float32(1e-12))

    def _layer(self, x: np.ndarray, layer: Layer, masked: np.ndarray) -> np.ndarray:
        count, length, hidden = x.shape
        size = hidden // self.heads
        qkv = x @ layer.qkv + layer.qkv_bias
        # (sentences, tokens, 3, heads, size) → (3, sentences, heads, tokens, size)
        query, key, value = qkv.reshape(count, length, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
        scores = (query * np.float32(1 / math.sqrt(size))) @ key.transpose(0, 1, 3, 2) + masked
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(count, length, hidden)
        x = layer_norm(x + context @ layer.attention_out + layer.attention_out_bias, *layer.attention_norm, self.eps)
        inner = gelu(x @ layer.up + layer.up_bias)
        return layer_norm(x + inner @ layer.down + layer.down_bias, *layer.output_norm, self.eps)


def batches(lengths: list[int], most: int = BATCH_SENTENCES) -> list[list[int]]:
    """Positions into `lengths` (sorted ascending) grouped into forward passes: at most `most`
    each, padded to the last one's length within the token, score and waste
    bounds. A sentence alone is always a batch, whatever its length."""
    groups: list[list[int]] = []
    current: list[int] = []
    real = 0
    for index, length in enumerate(lengths):
        size = len(current) + 1
        padded = size * length
        if current and (
            size > most
            or padded > BATCH_TOKENS
            or padded * length > BATCH_SCORES
            or padded > 2 * (real + length) + BATCH_WASTE
        ):
            groups.append(current)
            current, real = [], 0
        current.append(index)
        real += length
    if current:
        groups.append(current)
    return groups
