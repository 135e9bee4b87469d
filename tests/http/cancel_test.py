#!/usr/bin/python3
"""DELETE /v1/jobs/{id} in intentq-http (docs/http.md) against a real broker, workers and
simulator, behind --tokens with two callers: a caller cancels its own running or queued job
(the POST waiting for it gets 409 CANCELLED, the worker stops it), another caller's DELETE of it
is 404 UNKNOWN_JOB like an id never submitted, and an id two callers wait for is not cancelled.

Usage: cancel_test.py --bin BUILD/bin [unittest args]
"""

import os
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import Stack, wait_for, bin_dir_from_argv  # noqa: E402

BIN, REST = bin_dir_from_argv()
ALICE = "alice-0123456789abcdef01"
BOB = "bob-0123456789abcdef0123"


def slow(job_id):
    return {"id": job_id, "params": {"delay_ms": 20000}, "deadline_ms": 30000}


class Cancel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        cls.tokens.write(f"alice {ALICE}\nbob {BOB}\n")
        cls.tokens.close()
        cls.stack = Stack(BIN, workers=2, http_args=["--tokens", cls.tokens.name])
        cls.alice = cls.stack.client(token=ALICE)
        cls.bob = cls.stack.client(token=BOB)

    @classmethod
    def tearDownClass(cls):
        cls.alice.close()
        cls.bob.close()
        cls.stack.close()
        os.unlink(cls.tokens.name)

    def echo_stats(self):
        status, _, stats = self.alice.get("/v1/stats")
        return stats["services"]["echo"] if status == 200 else {}

    def delete(self, client, job_id):
        return client.request("DELETE", f"/v1/jobs/{job_id}")

    def test_own_running_and_queued_jobs_are_cancelled_and_others_are_not_told(self):
        ids = ["http-c-run-1", "http-c-run-2", "http-c-queued"]
        for job_id in ids:
            status, _, body = self.alice.post("/v1/jobs/echo?wait=false", slow(job_id))
            self.assertEqual(status, 202, body)
        wait_for(lambda: self.echo_stats().get("busy") == 2 and self.echo_stats().get("queued") == 1,
                 10, "two running and one queued echo")
        # Bob did not submit them: the same 404 as for an id never submitted, nothing cancelled.
        for job_id in (ids[0], "http-c-never"):
            status, _, body = self.delete(self.bob, job_id)
            self.assertEqual(status, 404, body)
            self.assertEqual(body["error"]["code"], "UNKNOWN_JOB", body)
        self.assertEqual(self.echo_stats()["busy"], 2)
        # No token: 401 before anything else.
        status, _, _ = self.stack.client().request("DELETE", f"/v1/jobs/{ids[0]}")
        self.assertEqual(status, 401)

        status, _, body = self.delete(self.alice, "http-c-queued")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["state"], "queued")
        for job_id in ids[:2]:
            status, _, body = self.delete(self.alice, job_id)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["result"]["state"], "running")
        for job_id in ids:
            status, _, body = wait_for(
                lambda j=job_id: (lambda r: r if r[0] != 202 else None)(
                    self.alice.get(f"/v1/jobs/{j}")), 10, f"{job_id} answered")
            self.assertEqual(status, 409, body)
            self.assertEqual(body["error"]["code"], "CANCELLED", body)
        # The workers stopped the jobs (long before their 20 s delay).
        wait_for(lambda: self.echo_stats().get("busy") == 0, 10, "both workers idle again")
        # A cancelled job is no longer pending: cancelling it again is 404.
        status, _, body = self.delete(self.alice, ids[0])
        self.assertEqual(status, 404, body)

    def test_a_waiting_post_is_answered_cancelled(self):
        out = {}

        def post():
            out["reply"] = self.stack.client(token=ALICE).post("/v1/jobs/echo", slow("http-c-wait"))

        t = threading.Thread(target=post)
        t.start()
        wait_for(lambda: self.echo_stats().get("busy", 0) >= 1, 10, "the job to run")
        status, _, body = self.delete(self.alice, "http-c-wait")
        self.assertEqual(status, 200, body)
        t.join(10)
        status, _, body = out["reply"]
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "CANCELLED", body)

    def test_an_id_two_callers_wait_for_is_not_cancelled(self):
        job = {"id": "http-c-shared", "params": {"delay_ms": 300}, "deadline_ms": 10000}
        for client in (self.alice, self.bob):
            status, _, body = client.post("/v1/jobs/echo?wait=false", job)
            self.assertEqual(status, 202, body)
        status, _, body = self.delete(self.alice, "http-c-shared")
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "CONFLICT", body)
        status, _, body = wait_for(
            lambda: (lambda r: r if r[0] != 202 else None)(self.bob.get("/v1/jobs/http-c-shared")),
            10, "the shared job answered")
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + REST)
