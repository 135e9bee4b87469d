"""A thin command line over the package (``python3 -m intentq``), for scripts and quick checks:

    python3 -m intentq submit echo --param greeting=hello [--id ID] [--deadline-ms N]
    python3 -m intentq watch --topic result.echo. --count 3
    python3 -m intentq stats
    python3 -m intentq cancel ID    (a job of this client's CURVE key; docs/protocol.md 6.10)

Connection options (``--broker``, ``--publish``, ``--curve-server-key``, ``--curve-secret``,
``--timeout-ms``) default to the ``INTENTQ_*`` variables, as for the ``intentq`` CLI. Exit code:
0 ok, 2 the job ended with an error reply (printed as JSON), 1 usage or connection problems.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Optional

from .client import Client
from .errors import ConnectionProblem, IntentqError, ProtocolError
from .reply import Reply


def _param(text: str) -> tuple[str, Any]:
    """key=value; the value is a JSON scalar when it parses as one, else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--param must be key=value, got {text!r}")
    try:
        parsed = json.loads(value)
        if isinstance(parsed, (dict, list)):
            parsed = value
    except ValueError:
        parsed = value
    return key, parsed


def _jsonable(value: Any) -> Any:
    """Decoded msgpack as JSON values: bin as hex, map keys as text (replies are not checked
    for JSON-compatible keys; printing must never fail on them)."""
    if isinstance(value, dict):
        return {(k.hex() if isinstance(k, bytes) else k if isinstance(k, str) else str(k)):
                _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json(value: Any) -> str:
    return json.dumps(_jsonable(value), default=repr)


def _error_json(e: IntentqError) -> dict[str, Any]:
    err: dict[str, Any] = {"code": e.code, "message": e.message}
    if e.gateway_code is not None:
        err["gateway_code"] = e.gateway_code
    if e.gateway_message is not None:
        err["gateway_message"] = e.gateway_message
    return {"id": e.id or "", "intent": e.intent or "", "status": "error", "error": err,
            "timings_ms": e.timings_ms, "worker": e.worker or ""}


def _reply_json(reply: Reply) -> dict[str, Any]:
    return reply.envelope or {"id": reply.id, "intent": reply.intent, "status": "ok",
                              "result": reply.result}


def _command(argv: Optional[list[str]]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m intentq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", help="broker frontend endpoint (INTENTQ_BROKER)")
    parser.add_argument("--publish", help="broker publish endpoint (INTENTQ_PUBLISH)")
    parser.add_argument("--curve-server-key", help="the broker's public key, Z85 or NAME.key")
    parser.add_argument("--curve-secret", help="this client's NAME.key_secret")
    parser.add_argument("--timeout-ms", type=int, help="wait per try (INTENTQ_TIMEOUT_MS)")
    parser.add_argument("--connect-timeout-ms", type=int, default=None,
                        help="give up after this long without a usable connection (10000)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_submit = sub.add_parser("submit", help="submit one job, print the reply as JSON")
    p_submit.add_argument("intent")
    p_submit.add_argument("--param", type=_param, action="append", default=[])
    p_submit.add_argument("--params-json", help="params as a JSON object")
    p_submit.add_argument("--id")
    p_submit.add_argument("--deadline-ms", type=int)
    p_submit.add_argument("--max-age-ms", type=int)
    p_submit.add_argument("--timeout", type=float,
                          help="seconds per try (the old example's option: --timeout-ms, and "
                               "no connection for 4 tries gives up)")
    p_watch = sub.add_parser("watch", help="print published results as JSON lines")
    p_watch.add_argument("--topic", action="append")
    p_watch.add_argument("--count", type=int)
    sub.add_parser("stats", help="print the broker's mmi.stats as JSON")
    p_cancel = sub.add_parser("cancel", help="cancel a job you submitted (with CURVE: the same key)")
    p_cancel.add_argument("id")
    args = parser.parse_args(argv)
    if getattr(args, "timeout", None) is not None:
        args.timeout_ms = max(1, int(args.timeout * 1000))
        if args.connect_timeout_ms is None:
            args.connect_timeout_ms = 4 * args.timeout_ms
    extra: dict[str, Any] = {}
    if args.connect_timeout_ms is not None:
        extra["connect_timeout_ms"] = args.connect_timeout_ms

    try:
        client = Client(args.broker, publish=args.publish, curve_server_key=args.curve_server_key,
                        curve_secret=args.curve_secret, timeout_ms=args.timeout_ms, **extra)
    except (TypeError, ValueError) as e:
        print(f"intentq: {e}", file=sys.stderr)
        return 1
    with client:
        try:
            if args.command == "submit":
                params = json.loads(args.params_json) if args.params_json else {}
                if not isinstance(params, dict):
                    raise ValueError("--params-json must be a JSON object")
                params.update(dict(args.param))
                reply = client.submit(args.intent, params, id=args.id,
                                      deadline_ms=args.deadline_ms, max_age_ms=args.max_age_ms)
                print(_json(_reply_json(reply)), flush=True)
            elif args.command == "stats":
                print(_json(client.stats()), flush=True)
            elif args.command == "cancel":
                print(_json({"id": args.id, "state": client.cancel(args.id)}), flush=True)
            else:
                with client.subscribe(args.topic or ["result."]) as subscription:
                    subscription.wait_connected()
                    print(f"intentq: subscribed to {subscription.endpoint}", file=sys.stderr)
                    for seen, published in enumerate(subscription, start=1):
                        if published.reply is not None:
                            body = _reply_json(published.reply)
                        else:
                            assert published.error is not None
                            body = _error_json(published.error)
                        print(_json({"topic": published.topic, "reply": body}), flush=True)
                        if args.count is not None and seen >= args.count:
                            break
        except (ConnectionProblem, ProtocolError, TypeError, ValueError) as e:
            print(f"intentq: {e}", file=sys.stderr)
            return 1
        except IntentqError as e:
            print(_json(_error_json(e)), flush=True)
            return 2
        except KeyboardInterrupt:
            return 130
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    """The command line; returns the exit code."""
    try:
        return _command(argv)
    except BrokenPipeError:
        # The reader went away (`... | head`): end quietly, as other Unix tools do. Python would
        # report the failed flush of stdout at exit; point stdout at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141


if __name__ == "__main__":
    sys.exit(main())
