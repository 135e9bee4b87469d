#!/usr/bin/python3
"""intentq-http's API against a real broker, workers and simulator (docs/http.md): every route,
the status mapping, wait and no-wait, cancel, the results stream, body/header limits and
malformed requests.

Usage: api_test.py --bin BUILD/bin [unittest args]
"""

import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import EventReader, Stack, wait_for, bin_dir_from_argv  # noqa: E402

BIN, REST = bin_dir_from_argv()


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BIN, workers=2, http_args=["--max-body-bytes", "65536",
                                                     "--max-header-bytes", "4096"])
        cls.c = cls.stack.client()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.stack.close()

    def assertErrorMap(self, body, code):
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("status"), "error", body)
        self.assertEqual(body["error"]["code"], code, body)

    def test_health_and_ready(self):
        status, _, body = self.c.get("/healthz")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        status, _, body = self.c.get("/readyz")
        self.assertEqual(status, 200, body)
        self.assertTrue(body["ready"])

    def test_echo_waits_for_the_reply(self):
        status, headers, body = self.c.post("/v1/jobs/echo", {"params": {"x": [1, "two"]}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["result"], {"x": [1, "two"]})
        self.assertTrue(body["id"].startswith("http-"), body)
        self.assertEqual(headers["content-type"], "application/json")

    def test_summary_through_the_simulator(self):
        status, _, body = self.c.post("/v1/jobs/summary", {"deadline_ms": 20000})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["intent"], "summary")
        self.assertIn("result", body)

    def test_given_id_and_the_same_submission_again_share_the_reply(self):
        job = {"id": "api-same-1", "params": {"k": 1}}
        first = self.c.post("/v1/jobs/echo", job)
        second = self.c.post("/v1/jobs/echo", job)
        self.assertEqual(first[0], 200, first)
        self.assertEqual(second[0], 200, second)
        self.assertEqual(first[2], second[2])

    def test_id_reused_with_other_params_is_409(self):
        self.assertEqual(self.c.post("/v1/jobs/echo", {"id": "api-409", "params": {"a": 1}})[0],
                         200)
        status, _, body = self.c.post("/v1/jobs/echo", {"id": "api-409", "params": {"a": 2}})
        self.assertEqual(status, 409, body)
        self.assertErrorMap(body, "CONFLICT")

    def test_bad_requests_are_400(self):
        for raw, why in [(b"{not json", "JSON"), (b"[1,2]", "object"),
                         (b'{"params": 5}', "params"), (b'{"deadline_ms": -1}', "deadline_ms"),
                         (b'{"colour": "red"}', "colour"), (b"[" * 200 + b"]" * 200, "deeper")]:
            status, _, body = self.c.request("POST", "/v1/jobs/echo", raw=raw)
            self.assertEqual(status, 400, (raw[:40], body))
            self.assertErrorMap(body, "BAD_REQUEST")
            self.assertIn(why, body["error"]["message"])
        status, _, body = self.c.post("/v1/jobs/bad..name", {})
        self.assertEqual(status, 400, body)
        status, _, body = self.c.post("/v1/jobs/mmi.stats", {})
        self.assertEqual(status, 400, body)

    def test_worker_side_bad_params_are_400(self):
        status, _, body = self.c.post("/v1/jobs/contract_details", {"params": {"con_id": -5}})
        self.assertEqual(status, 400, body)
        self.assertErrorMap(body, "BAD_REQUEST")

    def test_unknown_intent_is_404(self):
        status, _, body = self.c.post("/v1/jobs/no_such_intent", {})
        self.assertEqual(status, 404, body)
        self.assertErrorMap(body, "UNKNOWN_INTENT")

    def test_unknown_account_is_404(self):
        status, _, body = self.c.post("/v1/jobs/summary", {"params": {"account": "ZZ999999"}})
        self.assertEqual(status, 404, body)
        self.assertErrorMap(body, "UNKNOWN_ACCOUNT")

    def test_no_wait_then_get(self):
        status, headers, body = self.c.post("/v1/jobs/echo?wait=false",
                                            {"id": "api-nowait", "params": {"n": 7}})
        self.assertEqual(status, 202, body)
        self.assertEqual(headers["location"], "/v1/jobs/api-nowait")
        self.assertEqual(body["status"], "pending")

        def done():
            s, _, b = self.c.get("/v1/jobs/api-nowait")
            self.assertIn(s, (200, 202), b)
            return b if s == 200 else None

        body = wait_for(done, 10, "GET /v1/jobs/api-nowait answers 200")
        self.assertEqual(body["result"], {"n": 7})

    def test_get_unknown_job_is_404(self):
        status, _, body = self.c.get("/v1/jobs/never-submitted")
        self.assertEqual(status, 404, body)
        self.assertErrorMap(body, "UNKNOWN_JOB")

    def test_cancel_is_answered_with_an_intentq_map(self):
        # Brokers without mmi.cancel answer 501 (NOT_IMPLEMENTED); with it, an unknown id is 404.
        status, _, body = self.c.request("DELETE", "/v1/jobs/api-cancel-unknown")
        self.assertIn(status, (404, 501), body)
        self.assertEqual(body["status"], "error", body)
        self.assertEqual(body["id"], "api-cancel-unknown")

    def test_stats_intents_openapi_metrics(self):
        status, _, stats = self.c.get("/v1/stats")
        self.assertEqual(status, 200, stats)
        self.assertIn("echo", stats["services"])
        status, _, intents = self.c.get("/v1/intents")
        self.assertEqual(status, 200, intents)
        self.assertEqual(intents["intents"]["echo"]["live"]["workers"], 2)
        self.assertIn("params", intents["intents"]["summary"])
        status, _, api = self.c.get("/v1/openapi.json")
        self.assertEqual(status, 200)
        self.assertTrue(api["openapi"].startswith("3."), api.get("openapi"))
        for path in ["/v1/jobs/{intent}", "/v1/jobs/{id}", "/v1/stream", "/v1/stats",
                     "/v1/intents", "/healthz", "/readyz", "/metrics"]:
            self.assertIn(path, api["paths"])
        status, headers, text = self.c.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertIn('intentq_http_requests_total{', text)

    def test_dashboard_page(self):
        status, headers, text = self.c.get("/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn("/v1/stream/stats", text)
        self.assertNotIn("https://", text)  # no CDN: the page works offline
        # HEAD: same headers, no body; the keep-alive connection still frames the next answer.
        status, headers, body = self.c.request("HEAD", "/")
        self.assertEqual((status, body), (200, ""))
        self.assertEqual(int(headers["content-length"]), len(text.encode()))
        self.assertEqual(self.c.get("/healthz")[0], 200)

    def test_unknown_route_and_method(self):
        status, _, body = self.c.get("/v2/nothing")
        self.assertEqual(status, 404, body)
        status, headers, body = self.c.request("PUT", "/v1/stats")
        self.assertEqual(status, 405, body)
        self.assertEqual(headers["allow"], "GET")

    def test_stream_delivers_results_by_topic_prefix(self):
        front = self.stack.http
        echo = EventReader(front, "/v1/stream?topic=result.echo")
        summary = EventReader(front, "/v1/stream?topic=result.summary&topic=result.positions")
        try:
            self.assertEqual(echo.status, 200)
            self.assertEqual(summary.status, 200)
            _, _, e = self.c.post("/v1/jobs/echo", {"id": "api-stream-echo"})
            _, _, s = self.c.post("/v1/jobs/summary", {"id": "api-stream-summary"})
            self.assertEqual(e["status"], "ok", e)
            echo.wait_event(lambda n, d: n == "result" and d["reply"]["id"] == "api-stream-echo",
                            10, "the echo result on the result.echo stream")
            summary.wait_event(
                lambda n, d: n == "result" and d["reply"]["id"] == "api-stream-summary", 10,
                "the summary result on the result.summary stream")
            # The echo result came before the summary one was even submitted: had the summary
            # stream taken it, it would be there now.
            self.assertFalse([d for n, d in summary.events() if n == "result" and
                              d["reply"]["intent"] == "echo"], summary.events())
            self.assertFalse([d for n, d in echo.events() if n == "result" and
                              d["reply"]["intent"] != "echo"], echo.events())
        finally:
            echo.close()
            summary.close()

    def test_a_stream_outlives_the_write_timeout(self):
        # Regression: the write timeout armed for events used to close healthy streams after it.
        front = self.stack.start_http("--write-timeout-ms", "300", name="http-short-writes")
        stream = EventReader(front, "/v1/stream?topic=result.echo")
        c = self.stack.client(front)
        try:
            for n in range(8):  # 8 results over ~1.6 s: more than 5 write timeouts
                _, _, reply = c.post("/v1/jobs/echo", {"id": f"api-long-stream-{n}"})
                self.assertEqual(reply["status"], "ok", reply)
                stream.wait_event(lambda name, d, n=n: d.get("reply", {}).get("id") ==
                                  f"api-long-stream-{n}", 10, f"result {n} on the stream")
                time.sleep(0.2)  # the subject: time passing with the stream open
            self.assertFalse(stream.closed, "the stream was closed")
        finally:
            c.close()
            stream.close()

    def test_oversize_body_is_413_and_big_header_431(self):
        status, _, body = self.c.request("POST", "/v1/jobs/echo", raw=b"{" + b" " * 70000 + b"}")
        self.assertEqual(status, 413, body)
        self.assertErrorMap(body, "BAD_REQUEST")
        self.c.close()
        status, _, body = self.c.get("/healthz", headers={"X-Big": "a" * 8000})
        self.assertEqual(status, 431, body)
        self.c.close()
        self.assertEqual(self.c.get("/healthz")[0], 200)

    def test_malformed_http_is_400_and_the_front_stays_up(self):
        for garbage in [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"POST /v1/jobs/echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                        b"\x00\x01\x02\x03\r\n\r\n"]:
            with socket.create_connection((self.stack.http.host, self.stack.http.port),
                                          timeout=10) as s:
                s.sendall(garbage)
                answer = s.recv(4096)
                self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), (garbage, answer[:80]))
        self.assertEqual(self.c.get("/healthz")[0], 200)


class Failures(unittest.TestCase):
    """Status mapping of failures: a deadline that passes (504), the simulator gone (503 with
    Retry-After)."""

    def test_deadline_passed_is_504(self):
        with Stack(BIN, workers=1, gwsim_args=["--latency-ms", "3000"]) as stack:
            c = stack.client()
            status, _, body = c.post("/v1/jobs/summary", {"deadline_ms": 500})
            self.assertEqual(status, 504, body)
            self.assertErrorMap(body, "TIMEOUT")
            c.close()

    def test_gateway_unreachable_is_503_with_retry_after(self):
        # A worker opening a session per job meets the stopped simulator and says so.
        with Stack(BIN, workers=1, worker_args=["--gateway-session", "per-job"]) as stack:
            stack.gwsim.stop()
            c = stack.client()
            status, headers, body = c.post("/v1/jobs/summary", {"deadline_ms": 10000})
            self.assertEqual(status, 503, body)
            self.assertErrorMap(body, "GATEWAY_UNREACHABLE")
            self.assertEqual(headers["retry-after"], "5")
            c.close()

    def test_no_worker_is_503_with_retry_after(self):
        # Every worker of the intent gone: the broker answers NO_WORKER after its grace (2 s).
        with Stack(BIN, workers=1) as stack:
            c = stack.client()
            self.assertEqual(c.post("/v1/jobs/echo", {})[0], 200)
            stack.workers[0].stop()
            t0 = time.monotonic()
            status, headers, body = c.post("/v1/jobs/echo", {"deadline_ms": 20000})
            elapsed = time.monotonic() - t0
            self.assertEqual(status, 503, body)
            self.assertErrorMap(body, "NO_WORKER")
            self.assertIn("Retry-After".lower(), headers)
            self.assertLess(elapsed, 5, "NO_WORKER within the broker's grace + 1 s, not the deadline")
            c.close()

    def test_broker_gone_gives_504_then_not_ready(self):
        with Stack(BIN, workers=1, http_args=["--reply-grace-ms", "300"]) as stack:
            c = stack.client()
            self.assertEqual(c.post("/v1/jobs/echo", {})[0], 200)
            stack.broker.kill()
            t0 = time.monotonic()
            status, _, body = c.post("/v1/jobs/echo", {"id": "api-no-broker", "deadline_ms": 300})
            elapsed = time.monotonic() - t0
            self.assertEqual(status, 504, body)
            self.assertErrorMap(body, "TIMEOUT")
            self.assertEqual(body["worker"], "http")
            self.assertLess(elapsed, 5, "the front's own bound: deadline + grace + one tick")
            # Still pending at the broker's side as far as the front knows: GET says the 504.
            self.assertEqual(c.get("/v1/jobs/api-no-broker")[0], 504)
            wait_for(lambda: c.get("/readyz")[0] == 503, 10, "/readyz 503 without a broker")
            status, _, body = c.get("/v1/stats")
            self.assertEqual(status, 503, body)
            self.assertErrorMap(body, "BROKER_UNREACHABLE")
            self.assertEqual(c.get("/healthz")[0], 200)
            c.close()

    assertErrorMap = Api.assertErrorMap


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *REST])
