"""inventions: recognising text Whisper writes that nobody said. The examples are what Whisper base
and tiny.en wrote on this project's test noise, and its well-known sign-offs."""

from __future__ import annotations

import unittest

from cinema_models import inventions


class WholeTranscripts(unittest.TestCase):
    def test_sign_offs_and_web_addresses_are_inventions(self):
        for text in [
            "Thanks for watching!",
            "Thank you for watching.",
            "Thank you so much for watching!",
            "Please subscribe.",
            "Like and subscribe!",
            "Subscribe to my channel.",
            "Don't forget to like and subscribe.",
            "Subtitles by the Amara.org community",
            "Translated by Jane Doe",
            "www.example.com",
            "https://www.youtube.com/watch",
            "Visit WWW.SITE.ORG",
            "For more information, visit www.fema.gov",
            "Thanks for watching! Please subscribe. www.example.com",
            "Thanks for watching! Thanks for watching! Thanks for watching!",
            "...",
            "♪ ♪",
            "-",
            "",
        ]:
            with self.subTest(text=text):
                self.assertTrue(inventions.is_invention(text))

    def test_a_lone_you_is_an_invention_as_a_whole_transcript_only(self):
        # Whisper's word for digital silence; in a film's soundtrack "You!" may be a line.
        for text in ("you", " You. ", "You!"):
            with self.subTest(text=text):
                self.assertTrue(inventions.is_invention(text, whole=True))
                self.assertFalse(inventions.is_invention(text))

    def test_speech_is_not(self):
        for text in [
            "Thank you.",
            "Thank you for the film, it was great.",
            "Thanks for watching it with me.",
            "How do I subscribe to the newsletter?",
            "Is this film on www.archive.org?",
            "Who are you?",
            "You know a place back down the road called Beekman's Diner.",
            "No. No. No.",
            "1.0% 3.0% 4.0%",
        ]:
            with self.subTest(text=text):
                self.assertFalse(inventions.is_invention(text))


class PromptEcho(unittest.TestCase):
    PROMPT = "A visitor speaks to an old television."

    def test_the_prompt_written_back_goes(self):
        # What Whisper base and tiny.en wrote over silence, hiss and music given this prompt.
        for text in [
            "A visitor speaks to an old television.",
            "A visitor speaks to an old.",
            "A visitor speaks to an old television show. A visitor speaks to an old television show.",
            "A visitor speaks to an old television, a visitor speaks to an old television, an old television.",
        ]:
            with self.subTest(text=text):
                self.assertEqual(inventions.without_echo(text, self.PROMPT), "")

    def test_what_was_said_stays(self):
        self.assertEqual(
            inventions.without_echo("A visitor speaks to an old television. What is the name of this film?", self.PROMPT),
            "What is the name of this film?",
        )
        for text in ("A visitor.", "What is on the old television?", "Tell me a joke."):
            with self.subTest(text=text):
                self.assertEqual(inventions.without_echo(text, self.PROMPT), text)

    def test_no_prompt(self):
        self.assertEqual(inventions.without_echo("A visitor speaks to an old television.", None), "A visitor speaks to an old television.")


class Loops(unittest.TestCase):
    def test_cut_loop_keeps_the_first_copy(self):
        cases = {
            "who is the director, who is the director, who is the director, who is the": "who is the director",
            "Thank you. Thank you. Thank you. Thank": "Thank you.",
            "I haven't seen you in church lately. Where? Where? Where? Where?": "I haven't seen you in church lately. Where?",
            "a little bit of a little bit of a little bit of a": "a little bit of",
        }
        for text, first in cases.items():
            with self.subTest(text=text):
                self.assertEqual(inventions.cut_loop(text), first)

    def test_cut_loop_leaves_text_without_a_loop(self):
        for text in ("Tell me about the zombies in the farmhouse.", "Why did he lock the door?", "Help!", ""):
            with self.subTest(text=text):
                self.assertIsNone(inventions.cut_loop(text))

    def test_repeated_sentences_collapse(self):
        self.assertEqual(
            inventions.collapse_repeated_sentences("What is the name of this film? What is the name of this film?"),
            "What is the name of this film?",
        )
        self.assertEqual(inventions.collapse_repeated_sentences("Hello. Thank you. Thank you. Bye."), "Hello. Thank you. Bye.")
        self.assertEqual(inventions.collapse_repeated_sentences("No. No.", times=3), "No. No.")
        self.assertEqual(inventions.collapse_repeated_sentences("No. No. No.", times=3), "No.")

    def test_sentences_keep_web_addresses_whole(self):
        self.assertEqual(inventions.sentences("Go to www.site.com now. Then stop!"), ["Go to www.site.com now.", "Then stop!"])


if __name__ == "__main__":
    unittest.main()
