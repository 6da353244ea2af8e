"""What the tests share: the real service as a subprocess, HTTP calls to it, audio made at test
time by espeak-ng and ffmpeg (no media is committed), the project's film speech clips, and word
error rate. Standard library only, so that the suite needs nothing beyond the service's own venv."""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODELS_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = MODELS_DIR.parent
SAMPLE_RATE = 16_000
# The service loads and warms up Whisper before it prints its port: a few seconds here, more on
# a busy machine; past this the test fails rather than hangs.
START_TIMEOUT = 120.0
LISTENING = re.compile(r"listening on http://(\S+?):(\d+)")


def shared_data() -> Path:
    """The project's shared data: ../shared beside the checkout (as CI lays it), or where the
    environment says. The clips are read in place, never copied into the repository."""
    override = os.environ.get("CINEMA_SHARED_DATA")
    if override:
        return Path(override)
    for candidate in (REPO_DIR.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return REPO_DIR.parent / "shared" / "data"


NOTLD = shared_data() / "speech" / "notld"


# --- The service as a subprocess ------------------------------------------------------------


class Service:
    """`python -m cinema_models serve --port 0` started from this checkout, read for its port."""

    def __init__(self, *arguments: str, weights: Path | None = None):
        command = [sys.executable, "-m", "cinema_models"]
        if weights is not None:
            command += ["--weights", str(weights)]
        command += ["serve", "--port", "0", *arguments]
        self.command = command
        # stderr goes to a file: a pipe nobody reads would fill up with the service's log lines and
        # stall it, and the file is there to show when a test fails.
        self.log = tempfile.NamedTemporaryFile(prefix="cinema-models-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            command, cwd=MODELS_DIR, stdout=subprocess.PIPE, stderr=self.log, env=_environment()
        )
        self.host, self.port = self._wait_for_port()

    def _wait_for_port(self) -> tuple[str, int]:
        deadline = time.monotonic() + START_TIMEOUT
        seen = b""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode} before listening:\n{self.stderr()}")
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if not ready:
                continue
            line = self.process.stdout.readline()
            seen += line
            match = LISTENING.search(line.decode("utf-8", "replace"))
            if match:
                return match.group(1), int(match.group(2))
        self.stop()
        raise RuntimeError(f"the service did not listen within {START_TIMEOUT:.0f} s; it said:\n{seen.decode()}\n{self.stderr()}")

    def stderr(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to this process alone (its own pid), as the supervisor stops it; killed if it
        does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.log.close()
        os.unlink(self.log.name)

    # --- HTTP ---

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 120
    ) -> "Reply":
        """One request on its own connection; http.client sets Host and Content-Length unless the
        headers name them (`None` as a value leaves a header out)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = dict(headers or {})
            skip_host = "Host" in headers
            connection.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
            if body is not None and "Content-Length" not in headers:
                headers["Content-Length"] = str(len(body))
            for key, value in headers.items():
                if value is not None:
                    connection.putheader(key, value)
            connection.endheaders()
            if body:
                connection.send(body)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def raw(self, data: bytes, timeout: float = 30) -> bytes:
        """Bytes sent as they are (for requests http.client would not make), and all that comes
        back until the service closes the connection or stops answering."""
        import socket

        with socket.create_connection((self.host, self.port), timeout=timeout) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            received = b""
            try:
                while chunk := connection.recv(65536):
                    received += chunk
            except TimeoutError:
                pass
            return received

    def health(self) -> dict:
        reply = self.request("GET", "/health")
        assert reply.status == 200, reply
        return reply.json()

    def transcribe(
        self,
        audio: bytes,
        *,
        filename: str = "question.wav",
        content_type: str = "audio/wav",
        fields: dict | list | None = None,
    ) -> "Reply":
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        body, form_type = form(pairs, ("file", filename, content_type, audio))
        return self.request("POST", "/v1/audio/transcriptions", body, {"Content-Type": form_type})

    def embed(self, value, model: str = "all-MiniLM-L6-v2", **fields) -> "Reply":
        """POST /v1/embeddings with `value` as the input, as OpenAI's client sends it."""
        body = json.dumps({"model": model, "input": value, **fields}).encode()
        return self.request("POST", "/v1/embeddings", body, {"Content-Type": "application/json"})

    def vectors(self, value, **fields) -> np.ndarray:
        """The embeddings of `value` (a string or a list of them), one row each, in order."""
        reply = self.embed(value, **fields)
        assert reply.status == 200, reply
        data = reply.json()["data"]
        assert [item["index"] for item in data] == list(range(len(data))), data
        return np.array([item["embedding"] for item in data], dtype=np.float32)

    def text(self, audio: bytes, **fields) -> str:
        """What the service heard, through the plain json response (the short path for an
        utterance)."""
        reply = self.transcribe(audio, fields=fields)
        assert reply.status == 200, reply
        return reply.json()["text"]


def _environment() -> dict:
    environment = dict(os.environ)
    # The checkout's package, whatever the caller's PYTHONPATH says.
    environment["PYTHONPATH"] = str(MODELS_DIR)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def error(self) -> dict:
        """The error object of an OpenAI-shaped error reply."""
        value = self.json()
        assert set(value) == {"error"}, value
        return value["error"]

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.body[:300]!r})"


def form(fields: list[tuple[str, str]], file: tuple[str, str, str, bytes] | None) -> tuple[bytes, str]:
    """A multipart/form-data body, as curl -F would send it, and its Content-Type."""
    boundary = "cinema-" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    if file is not None:
        name, filename, content_type, data = file
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


# What Cinema Chat's WhisperRecognizer sends with each utterance besides the audio: a prompt that
# sets the scene invites Whisper to write more, so noise is tried with it too.
CLIENT_FIELDS = {"language": "en", "prompt": "A visitor speaks to an old television."}


class ServiceTestCase(unittest.TestCase):
    """One real service per test class, shared by its tests (loading Whisper takes seconds)."""

    service_arguments: tuple[str, ...] = ()
    service: Service

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service = Service(*cls.service_arguments)

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        super().tearDownClass()

    def assertStillServing(self):
        self.assertTrue(self.service.alive(), "the service exited")
        self.assertEqual(self.service.health()["status"], "ok")


# --- Audio made at test time -----------------------------------------------------------------


def run(command: list[str], data: bytes | None = None) -> bytes:
    result = subprocess.run(command, input=data, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result.stdout


def ffmpeg(inputs: list[str], output: list[str], data: bytes | None = None) -> bytes:
    return run(["ffmpeg", "-nostdin", "-loglevel", "error", *inputs, *output, "-"], data)


def to_wav(data: bytes) -> bytes:
    """Any audio file as what Cinema Chat sends: 16 kHz mono 16-bit PCM WAV."""
    return ffmpeg(["-i", "pipe:0"], ["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"], data)


def speak(text: str, voice: str = "en-us") -> bytes:
    """`text` spoken by espeak-ng, as a 16 kHz mono s16 WAV."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spoken.wav"
        run(["espeak-ng", "-v", voice, "-w", str(path), text])
        return to_wav(path.read_bytes())


def lavfi(graph: str, seconds: float, fmt: str = "wav") -> bytes:
    """Audio made by an ffmpeg filter graph, `seconds` long, 16 kHz mono, as a file of `fmt`."""
    codec = {"wav": ["-c:a", "pcm_s16le"], "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"], "ogg": ["-c:a", "libvorbis"]}[fmt]
    return ffmpeg(
        ["-f", "lavfi", "-i", graph, "-t", f"{seconds:g}"], ["-ar", "16000", "-ac", "1", *codec, "-f", fmt]
    )


def encode(wav: bytes, fmt: str) -> bytes:
    """A WAV re-encoded as mp3, ogg (Vorbis), flac, ...; the service must decode these too."""
    codec = {"mp3": ["-c:a", "libmp3lame", "-b:a", "128k"], "ogg": ["-c:a", "libvorbis", "-q:a", "6"], "flac": ["-c:a", "flac"]}[fmt]
    return ffmpeg(["-i", "pipe:0"], [*codec, "-f", fmt], wav)


# Sounds that are not speech, the kinds a TV in a gallery hears: the room's silence, hiss, music
# and its own static. Each is an ffmpeg lavfi graph at 16 kHz.
NOISES = {
    "silence": "anullsrc=r=16000:cl=mono",
    "white-low": "anoisesrc=r=16000:color=white:amplitude=0.02:seed=1",
    "white-loud": "anoisesrc=r=16000:color=white:amplitude=0.5:seed=2",
    "pink-low": "anoisesrc=r=16000:color=pink:amplitude=0.03:seed=3",
    "pink-loud": "anoisesrc=r=16000:color=pink:amplitude=0.6:seed=4",
    "brown": "anoisesrc=r=16000:color=brown:amplitude=0.5:seed=5",
    "hum": "aevalsrc=0.3*sin(2*PI*50*t)+0.1*sin(2*PI*150*t):s=16000",
    # A TV between channels: white noise at hiss level over mains hum.
    "tv-static": (
        "anoisesrc=r=16000:color=white:amplitude=0.3:seed=6[n];"
        "aevalsrc=0.2*sin(2*PI*50*t)+0.05*sin(2*PI*100*t):s=16000[h];"
        "[n][h]amix=inputs=2:normalize=0"
    ),
    # Music-like: a held major chord, a stepped melody, a rising sweep.
    "chord": "aevalsrc=0.2*sin(2*PI*261.63*t)+0.2*sin(2*PI*329.63*t)+0.2*sin(2*PI*392*t):s=16000",
    "melody": "aevalsrc=0.3*sin(2*PI*t*440*pow(2\\,floor(mod(t*4\\,8))/6))*(0.6+0.4*sin(2*PI*4*t)):s=16000",
    "sweep": "aevalsrc=0.3*sin(2*PI*(100*t+60*t*t)):s=16000",
}


def noise(kind: str, seconds: float, fmt: str = "wav") -> bytes:
    return lavfi(NOISES[kind], seconds, fmt)


def fit(wav: bytes, seconds: float) -> bytes:
    """The audio cut or padded with silence to exactly `seconds`."""
    return ffmpeg(["-i", "pipe:0"], ["-af", "apad", "-t", f"{seconds:g}", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"], wav)


def samples(wav: bytes) -> np.ndarray:
    """A 16 kHz mono s16 WAV's samples as float32, by ffmpeg (independent of the service's own
    reader)."""
    pcm = ffmpeg(["-i", "pipe:0"], ["-ar", "16000", "-ac", "1", "-f", "s16le"], wav)
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def wav_bytes(audio: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    """Float samples in [-1, 1] (interleaved when `channels` > 1) as a 16-bit PCM WAV."""
    import io
    import wave

    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm)
    return out.getvalue()


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech with noise under it at a signal-to-noise ratio of `snr_db` (the noise repeated or cut
    to the speech's length)."""
    noise = np.resize(noise, len(speech))
    scale = np.sqrt(np.mean(speech**2) / max(np.mean(noise**2), 1e-12) / 10 ** (snr_db / 10))
    return speech + noise * scale


def wav_duration(wav: bytes) -> float:
    return len(samples(wav)) / SAMPLE_RATE


# --- Film speech and word error rate ----------------------------------------------------------


def notld_clips() -> list[tuple[Path, str]]:
    """The Night of the Living Dead clips with their transcripts, shortest first."""
    clips = []
    for wav in NOTLD.glob("*.wav"):
        transcript = wav.with_suffix(".txt")
        if transcript.is_file():
            clips.append((wav, transcript.read_text().strip()))
    return sorted(clips, key=lambda clip: int(clip[0].name.split("s_", 1)[0]))


def notld_clip(prefix: str) -> tuple[bytes, str]:
    for wav, transcript in notld_clips():
        if wav.name.startswith(prefix):
            return wav.read_bytes(), transcript
    raise unittest.SkipTest(f"the film speech clip {prefix}* is not in {NOTLD}")


def normalize(text: str) -> list[str]:
    """Words for comparison: lower case, punctuation gone ("don't" and "dont" are one word),
    hyphens as spaces."""
    text = text.lower().replace("-", " ").replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9 ]+", " ", text).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): Levenshtein over words."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i]
        for j, heard in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard)))
        previous = current
    return previous[-1], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    return errors / max(1, words)
