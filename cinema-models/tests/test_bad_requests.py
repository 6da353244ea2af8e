"""Bad input on purpose, over real HTTP: each gets OpenAI's error shape with the right status, and
the service goes on serving after it."""

from __future__ import annotations

import unittest

from . import support

PATH = "/v1/audio/transcriptions"


class BadRequests(support.ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wav = support.speak("Hello")

    def assertError(self, reply: support.Reply, status: int, *, param=None, code=None, says: str = ""):
        self.assertEqual(reply.status, status, reply)
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers)
        error = reply.error()
        self.assertEqual(set(error), {"message", "type", "param", "code"})
        self.assertEqual(error["type"], "invalid_request_error")
        self.assertTrue(error["message"])
        self.assertIn(says.lower(), error["message"].lower())
        if param is not None:
            self.assertEqual(error["param"], param)
        if code is not None:
            self.assertEqual(error["code"], code)
        self.assertStillServing()

    def post_form(self, fields, file=None) -> support.Reply:
        body, content_type = support.form(fields, file)
        return self.service.request("POST", PATH, body, {"Content-Type": content_type})

    # --- the form ---

    def test_no_file_part(self):
        self.assertError(self.post_form([("model", "whisper-1")]), 400, param="file", says="no 'file' part")

    def test_empty_file(self):
        reply = self.service.transcribe(b"")
        self.assertError(reply, 400, param="file", code="bad-audio", says="empty")

    def test_file_that_is_not_audio(self):
        reply = self.service.transcribe(b"%PDF-1.4 this is a document, not a sound\n" * 50, filename="notes.pdf", content_type="application/pdf")
        self.assertError(reply, 400, param="file", code="bad-audio", says="not audio")

    def test_wav_header_without_samples(self):
        header = self.wav[:44]
        reply = self.service.transcribe(header[:20])
        self.assertError(reply, 400, code="bad-audio")

    def test_malformed_multipart_without_closing_boundary(self):
        body, content_type = support.form([("model", "whisper-1")], ("file", "a.wav", "audio/wav", self.wav))
        cut = body[: body.rindex(b"\r\n--")]
        reply = self.service.request("POST", PATH, cut, {"Content-Type": content_type})
        self.assertError(reply, 400, code="bad-form", says="closing boundary")

    def test_multipart_without_boundary_parameter(self):
        body, _ = support.form([], ("file", "a.wav", "audio/wav", self.wav))
        reply = self.service.request("POST", PATH, body, {"Content-Type": "multipart/form-data"})
        self.assertError(reply, 400, code="bad-form", says="boundary")

    def test_body_that_is_not_a_form(self):
        reply = self.service.request("POST", PATH, b'{"file": "question.wav"}', {"Content-Type": "application/json"})
        self.assertError(reply, 400, code="bad-form", says="multipart/form-data")

    def test_bad_response_format(self):
        reply = self.service.transcribe(self.wav, fields={"response_format": "srt"})
        self.assertError(reply, 400, param="response_format", says="srt")

    def test_bad_temperature(self):
        for value in ("warm", "1.5", "-0.1", "nan"):
            with self.subTest(temperature=value):
                reply = self.service.transcribe(self.wav, fields={"temperature": value})
                self.assertError(reply, 400, param="temperature")

    def test_bad_timestamp_granularity(self):
        reply = self.service.transcribe(self.wav, fields=[("timestamp_granularities[]", "character")])
        self.assertError(reply, 400, param="timestamp_granularities[]", says="character")

    # --- the body's length ---

    def test_missing_content_length(self):
        body, content_type = support.form([], ("file", "a.wav", "audio/wav", self.wav))
        reply = self.service.request("POST", PATH, body, {"Content-Type": content_type, "Content-Length": None})
        self.assertError(reply, 411, code="length-required")

    def test_chunked_upload_without_content_length(self):
        # http.client would add a length; a raw request is what a streaming client sends.
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        raw = self.service.raw(head.encode())
        self.assertTrue(raw.startswith(b"HTTP/1.1 411 "), raw[:200])
        self.assertIn(b'"length-required"', raw)
        self.assertStillServing()

    def test_oversize_content_length_is_refused_before_the_body(self):
        # Nothing follows the headers: the service must answer from the header alone.
        reply = self.service.request(
            "POST", PATH, None, {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10 << 30)}
        )
        self.assertError(reply, 413, code="too-large", says="limit")

    def test_content_length_that_is_not_a_number(self):
        reply = self.service.request(
            "POST", PATH, None, {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": "lots"}
        )
        self.assertError(reply, 400, code="bad-length")

    def test_body_shorter_than_its_content_length(self):
        body, content_type = support.form([], ("file", "a.wav", "audio/wav", self.wav))
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body) + 1000}\r\n\r\n"
        ).encode()
        raw = self.service.raw(head + body)
        self.assertTrue(raw.startswith(b"HTTP/1.1 400 "), raw[:200])
        self.assertIn(b'"truncated"', raw)
        self.assertStillServing()

    # --- who may call ---

    def test_a_web_page_is_refused(self):
        for method, body in (("GET", None), ("POST", self.wav)):
            with self.subTest(method=method):
                path = "/health" if method == "GET" else PATH
                reply = self.service.request(method, path, body, {"Origin": "https://evil.example"})
                self.assertError(reply, 403, code="origin-not-allowed")

    def test_a_host_that_is_not_loopback_is_refused(self):
        for host in ("evil.example", "evil.example:8790", "127.evil.example", "192.168.1.20"):
            with self.subTest(host=host):
                reply = self.service.request("GET", "/health", None, {"Host": host})
                self.assertError(reply, 403, code="host-not-allowed", says=host.split(":")[0])

    def test_loopback_hosts_are_served(self):
        for host in ("127.0.0.1", f"127.0.0.1:{self.service.port}", "localhost", f"localhost:{self.service.port}", "[::1]", f"[::1]:{self.service.port}"):
            with self.subTest(host=host):
                self.assertEqual(self.service.request("GET", "/health", None, {"Host": host}).status, 200)

    def test_served_after_all_of_it(self):
        # Each test checks this too; this one runs whatever order the others ran in.
        self.assertStillServing()
        reply = self.service.transcribe(support.speak("What is the name of this film?"))
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual(support.normalize(reply.json()["text"]), support.normalize("What is the name of this film?"))


if __name__ == "__main__":
    unittest.main()
