"""The FastAPI service intentq replaces, rebuilt on the intentq package.

The old service opened an IB connection per request (a new event loop, a new gateway session,
a clientId each time) because one connection could not live on the server's event loop. Here the
gateway sessions live in intentq's workers; this app holds one ``intentq.AsyncClient`` for its
whole life (created in the lifespan handler) and every request shares it: one ZeroMQ socket, one
TCP connection to the broker, however many requests are in flight.

Run it (Debian: python3-fastapi, python3-uvicorn; the package from clients/python):

    PYTHONPATH=clients/python INTENTQ_BROKER=tcp://127.0.0.1:5555 \\
        python3 -m uvicorn app:app --app-dir examples/fastapi --port 8000

    curl -X POST localhost:8000/intents/positions -H 'content-type: application/json' \\
        -d '{"account": "DU1000001"}'
    curl 'localhost:8000/summary?account=DU1000001'

Error codes become HTTP statuses (``STATUS_BY_CODE``); 503 answers carry ``Retry-After``.
The client's settings come from the ``INTENTQ_*`` variables (broker, CURVE keys).
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import intentq

#: HTTP status per intentq error code. Anything not listed (GATEWAY_* errors, WORKER_LOST,
#: RESULT_TOO_LARGE, INTERNAL, a malformed broker answer, codes newer than this table) is 502:
#: the service behind this one failed.
STATUS_BY_CODE = {
    "BAD_REQUEST": 400,
    "UNKNOWN_INTENT": 404,
    "UNKNOWN_ACCOUNT": 404,
    "BUSY": 503,
    "NO_WORKER": 503,
    "GATEWAY_UNREACHABLE": 503,
    "CANCELLED": 503,
    # The broker cannot be reached (intentq.ConnectionProblem and its subclasses).
    "CONNECTION_REFUSED": 503,
    "CURVE_HANDSHAKE_FAILED": 503,
    "NO_REPLY": 503,
    "TIMEOUT": 504,
}
#: Seconds a client should wait before retrying a 503.
RETRY_AFTER_S = 2


def http_status(code: str) -> int:
    return STATUS_BY_CODE.get(code, 502)


def error_response(e: intentq.IntentqError) -> JSONResponse:
    status = http_status(e.code)
    body: dict[str, Any] = {"id": e.id, "intent": e.intent,
                            "error": {"code": e.code, "message": e.message}}
    if e.gateway_code is not None:
        body["error"]["gateway_code"] = e.gateway_code
        body["error"]["gateway_message"] = e.gateway_message
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "BAD_REQUEST", "message": message}}, status_code=400)


def reply_body(reply: intentq.Reply) -> dict[str, Any]:
    body: dict[str, Any] = {"id": reply.id, "intent": reply.intent, "result": reply.result,
                            "worker": reply.worker, "timings_ms": reply.timings_ms}
    if reply.cached:
        body["cached"] = True
        body["age_ms"] = reply.age_ms
    if reply.source_id is not None:
        body["source_id"] = reply.source_id
    return body


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One AsyncClient for the app's life, created on the server's event loop."""
    async with intentq.AsyncClient() as client:
        app.state.intentq = client
        yield
    # Leaving the block closed the client: requests still in flight got Cancelled (503).


app = FastAPI(title="intentq example service")
# FastAPI(lifespan=...) exists from FastAPI 0.93; Debian 12 ships 0.92, whose Starlette router
# takes the same context manager here.
app.router.lifespan_context = lifespan


def client_of(request: Request) -> intentq.AsyncClient:
    client: intentq.AsyncClient = request.app.state.intentq
    return client


async def run(request: Request, intent: str, params: dict[str, Any],
              deadline_ms: Optional[int], max_age_ms: Optional[int]) -> JSONResponse:
    try:
        reply = await client_of(request).submit(intent, params, deadline_ms=deadline_ms,
                                                max_age_ms=max_age_ms)
    except intentq.IntentqError as e:
        return error_response(e)
    except (TypeError, ValueError) as e:  # refused by the client before sending
        return bad_request(str(e))
    return JSONResponse(reply_body(reply))


@app.post("/intents/{name}")
async def submit_intent(name: str, request: Request, deadline_ms: Optional[int] = None,
                        max_age_ms: Optional[int] = None) -> JSONResponse:
    """Runs intent ``name`` with the JSON body as params (an object; empty body = no params)."""
    raw = await request.body()
    params: Any = {}
    if raw.strip():
        try:
            params = json.loads(raw)
        except ValueError as e:
            return bad_request(f"the body is not JSON: {e}")
    if not isinstance(params, dict):
        return bad_request("the body must be a JSON object of params")
    return await run(request, name, params, deadline_ms, max_age_ms)


@app.get("/summary")
async def summary(request: Request, account: str, max_age_ms: Optional[int] = None,
                  deadline_ms: Optional[int] = None) -> JSONResponse:
    """Positions, open orders, fills and the account summary of one account."""
    return await run(request, "summary", {"account": account}, deadline_ms, max_age_ms)
