"""Whisper invents text on silence and noise ("you", "I'm going to get a little bit of water.",
"Thanks for watching!"): the service must return empty text for what is not speech — the room's
silence, hiss, music and the TV's own static — through both of its paths, and still hear speech,
also under that noise. The sounds are made by ffmpeg here; no media is committed."""

from __future__ import annotations

import time
import unittest

import numpy as np

from . import support

LENGTHS = (1, 3, 5, 8)
WORDS = [("response_format", "verbose_json"), ("timestamp_granularities[]", "word")]


class NonSpeech(support.ServiceTestCase):
    def test_short_path_returns_nothing_for_noise(self):
        # json, at most 20 s, no word times: the utterance path a visitor's question takes.
        for kind in support.NOISES:
            for seconds in LENGTHS:
                with self.subTest(kind=kind, seconds=seconds):
                    reply = self.service.transcribe(support.noise(kind, seconds))
                    self.assertEqual(reply.status, 200, reply)
                    self.assertEqual(reply.json(), {"text": ""})

    def test_nothing_for_noise_with_what_the_client_sends(self):
        for kind in support.NOISES:
            with self.subTest(kind=kind):
                reply = self.service.transcribe(support.noise(kind, 3), fields=support.CLIENT_FIELDS)
                self.assertEqual(reply.json(), {"text": ""})

    def test_full_path_returns_nothing_for_noise(self):
        # Word times take faster-whisper's own pipeline, as a film's soundtrack does.
        for kind in support.NOISES:
            for seconds in (3, 8):
                with self.subTest(kind=kind, seconds=seconds):
                    body = self.service.transcribe(support.noise(kind, seconds), fields=WORDS).json()
                    self.assertEqual((body["text"], body["segments"], body["words"]), ("", [], []))
                    self.assertAlmostEqual(body["duration"], seconds, delta=0.01)

    def test_plain_text_for_noise_is_an_empty_line(self):
        reply = self.service.transcribe(support.noise("tv-static", 3), fields={"response_format": "text"})
        self.assertEqual(reply.body, b"\n")

    def test_noise_in_other_formats(self):
        for fmt in ("mp3", "ogg"):
            with self.subTest(format=fmt):
                reply = self.service.transcribe(support.noise("pink-loud", 4, fmt), filename=f"noise.{fmt}")
                self.assertEqual(reply.json(), {"text": ""})

    def test_long_noise_through_the_full_path(self):
        # Over 20 s the json path is the full pipeline too.
        self.assertEqual(self.service.text(support.noise("tv-static", 25)), "")

    def test_speech_after_silence_and_before_static_is_heard(self):
        # With a window of the utterance and a second, "Can you turn the volume up please?" came
        # back twice over like this: Whisper went on writing into the static after the question.
        question = "What is the name of this film?"
        speech = support.samples(support.speak(question))
        silence = np.zeros(support.SAMPLE_RATE, dtype=np.float32)
        static = support.samples(support.noise("tv-static", 2)) * 0.3
        audio = support.wav_bytes(np.concatenate([silence, speech, static]))
        self.assertEqual(support.normalize(self.service.text(audio)), support.normalize(question))

    def test_speech_under_music_is_heard(self):
        question = "What is the name of this film?"
        speech = support.samples(support.speak(question))
        for kind in ("chord", "melody"):
            with self.subTest(kind=kind):
                mixed = support.mix(speech, support.samples(support.noise(kind, 4)), snr_db=10)
                self.assertEqual(support.normalize(self.service.text(support.wav_bytes(mixed))), support.normalize(question))

    def test_speech_under_hiss_is_not_dropped(self):
        # Under hiss at 10 dB Whisper base mishears espeak's last word ("What is the name of this
        # tale?", the same before the gate): what matters here is that the words still come.
        question = "What is the name of this film?"
        speech = support.samples(support.speak(question))
        for kind in ("tv-static", "pink-loud"):
            with self.subTest(kind=kind):
                mixed = support.mix(speech, support.samples(support.noise(kind, 4)), snr_db=10)
                heard = support.normalize(self.service.text(support.wav_bytes(mixed)))
                self.assertEqual(heard[:5], ["what", "is", "the", "name", "of"], heard)

    def test_quiet_speech_is_heard(self):
        question = "What is the name of this film?"
        quiet = support.samples(support.speak(question)) * 0.05
        self.assertEqual(support.normalize(self.service.text(support.wav_bytes(quiet))), support.normalize(question))

    def test_whole_transcripts_that_are_known_inventions_are_dropped(self):
        # Whisper writes these on its own over noise; spoken here so that they reach the filter
        # past the gate. A visitor who says exactly this is dropped too: a video's sign-off is
        # never a question for the TV.
        for line in ("Thanks for watching!", "Thank you for watching.", "Please subscribe.", "w w w dot cinema chat dot com"):
            with self.subTest(line=line):
                self.assertEqual(self.service.text(support.speak(line)), "")

    def test_the_prompt_written_back_is_dropped(self):
        # Given the client's prompt, Whisper wrote it back over nearly every kind of noise before
        # the gate ("A visitor speaks to an old television."). Spoken here, so that it passes the
        # gate, it is dropped; what the visitor said after it is kept.
        prompt = support.CLIENT_FIELDS["prompt"]
        self.assertEqual(self.service.text(support.speak(prompt), **support.CLIENT_FIELDS), "")
        question = "What is the name of this film?"
        text = self.service.text(support.speak(f"{prompt} {question}"), **support.CLIENT_FIELDS)
        self.assertEqual(support.normalize(text), support.normalize(question))

    def test_lines_that_merely_contain_them_are_kept(self):
        for line in ("Thanks for watching, the film was great.", "Thank you."):
            with self.subTest(line=line):
                self.assertEqual(support.normalize(self.service.text(support.speak(line))), support.normalize(line))

    def test_noise_costs_little(self):
        # The gate answers noise without decoding it: faster than the decoding it replaces.
        audio = support.noise("tv-static", 5)
        started = time.monotonic()
        for _ in range(5):
            self.assertEqual(self.service.text(audio), "")
        self.assertLess((time.monotonic() - started) / 5, 0.25)


if __name__ == "__main__":
    unittest.main()
