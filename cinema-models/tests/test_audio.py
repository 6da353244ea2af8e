"""audio.decode: a 16 kHz 16-bit WAV is read directly, chunk by chunk; anything else goes through
PyAV and comes out as 16 kHz mono float32 all the same."""

from __future__ import annotations

import struct
import unittest

import numpy as np

from cinema_models import audio

from . import support


def chunk(name: bytes, body: bytes) -> bytes:
    """A RIFF chunk, with the pad byte RIFF puts after an odd-sized body."""
    return struct.pack("<4sI", name, len(body)) + body + (b"\0" if len(body) % 2 else b"")


def fmt(channels: int = 1, rate: int = 16_000, bits: int = 16, kind: int = 1) -> bytes:
    block = channels * bits // 8
    return chunk(b"fmt ", struct.pack("<HHIIHH", kind, channels, rate, rate * block, block, bits))


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return struct.pack("<4sI", b"RIFF", len(body)) + body


def pcm(values) -> bytes:
    return np.asarray(values, dtype="<i2").tobytes()


class PcmWav(unittest.TestCase):
    def test_mono_samples_are_scaled_to_one(self):
        samples = audio.decode(riff(fmt(), chunk(b"data", pcm([0, 16384, -32768, 32767]))))
        self.assertEqual(samples.dtype, np.float32)
        np.testing.assert_allclose(samples, [0.0, 0.5, -1.0, 32767 / 32768])

    def test_odd_sized_chunks_before_the_data_are_skipped_with_their_pad_byte(self):
        # A LIST chunk of 5 bytes is followed by a pad byte; reading the data one byte early
        # would make noise of every sample.
        wav = riff(chunk(b"JUNK", b"abc"), fmt(), chunk(b"LIST", b"INFOx"), chunk(b"data", pcm([1000, -1000, 2000])))
        np.testing.assert_allclose(audio.decode(wav) * 32768, [1000, -1000, 2000])

    def test_stereo_is_averaged_to_mono(self):
        wav = riff(fmt(channels=2), chunk(b"data", pcm([1000, 3000, -2000, 0])))
        np.testing.assert_allclose(audio.decode(wav) * 32768, [2000, -1000])

    def test_streamed_wav_with_unknown_data_size_takes_what_is_there(self):
        # A recorder writing to a pipe cannot go back to fill in the sizes: it writes 0 or 2^32-1.
        for size in (0, 0xFFFFFFFF):
            with self.subTest(size=size):
                wav = riff(fmt()) + struct.pack("<4sI", b"data", size) + pcm([5, 6, 7])
                np.testing.assert_allclose(audio.decode(wav) * 32768, [5, 6, 7])

    def test_data_ending_mid_sample_drops_the_half_sample(self):
        wav = riff(fmt(), struct.pack("<4sI", b"data", 7) + pcm([5, 6, 7])[:5])
        np.testing.assert_allclose(audio.decode(wav) * 32768, [5, 6])

    def test_a_real_wav_from_ffmpeg(self):
        wav = support.speak("Hello there")
        samples = audio.decode(wav)
        np.testing.assert_allclose(samples, support.samples(wav), atol=1 / 32768)


class OtherAudio(unittest.TestCase):
    """What the direct reader does not take goes through PyAV and is resampled."""

    def assertAbout(self, samples: np.ndarray, seconds: float):
        self.assertEqual(samples.dtype, np.float32)
        self.assertEqual(samples.ndim, 1)
        # MP3 adds its encoder's delay and pads to whole frames: about 0.09 s at 16 kHz.
        self.assertAlmostEqual(len(samples) / support.SAMPLE_RATE, seconds, delta=0.12)

    def test_wav_at_another_rate(self):
        tone = np.sin(2 * np.pi * 440 * np.arange(44_100) / 44_100) * 0.5
        samples = audio.decode(support.wav_bytes(tone, rate=44_100))
        self.assertAbout(samples, 1.0)
        self.assertAlmostEqual(float(np.abs(samples).max()), 0.5, delta=0.05)

    def test_stereo_wav_at_another_rate(self):
        frames = np.arange(8_000) / 8_000
        left, right = np.sin(2 * np.pi * 300 * frames) * 0.4, np.zeros_like(frames)
        stereo = np.stack([left, right], axis=1).reshape(-1)
        self.assertAbout(audio.decode(support.wav_bytes(stereo, rate=8_000, channels=2)), 1.0)

    def test_8_bit_and_float_wav(self):
        wav = support.speak("Hello there")
        for codec in ("pcm_u8", "pcm_f32le"):
            with self.subTest(codec=codec):
                other = support.ffmpeg(["-i", "pipe:0"], ["-c:a", codec, "-f", "wav"], wav)
                self.assertAbout(audio.decode(other), support.wav_duration(wav))

    def test_compressed_formats(self):
        wav = support.noise("chord", 2)
        for fmt_name in ("mp3", "ogg", "flac"):
            with self.subTest(format=fmt_name):
                self.assertAbout(audio.decode(support.encode(wav, fmt_name)), 2.0)


class NotAudio(unittest.TestCase):
    def assertRefused(self, data: bytes, says: str):
        with self.assertRaises(audio.AudioError) as caught:
            audio.decode(data)
        self.assertIn(says, str(caught.exception))

    def test_empty(self):
        self.assertRefused(b"", "empty")

    def test_text(self):
        self.assertRefused(b"This is not a sound. " * 40, "not audio")

    def test_header_cut_off(self):
        self.assertRefused(riff(fmt())[:20], "not audio")

    def test_header_without_samples(self):
        self.assertRefused(riff(fmt(), chunk(b"data", b"")), "no samples")


if __name__ == "__main__":
    unittest.main()
