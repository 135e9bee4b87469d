#!/usr/bin/python3
"""A small intentq client in Python (pyzmq + msgpack, Debian's python3-zmq/python3-msgpack).

intentq speaks Majordomo MDP/0.1 on the broker's frontend. A request is the multipart message
    "", "MDPC01", <intent>, <body>
sent on a DEALER socket, where <body> is one msgpack map (the job envelope):
    {"id": str, "params": map, "deadline_ms": uint, "max_age_ms": uint}     (all optional)
The reply comes back on the same socket in the same shape, with a msgpack reply envelope:
    {"id", "intent", "status": "ok"|"error", "result" | "error": {"code", "message", ...},
     "timings_ms": {...}, "worker"}
and, when the answer was shared ("max_age_ms" > 0, or an identical request already in flight):
    "cached": true (answered from a stored result), "age_ms" (how old that result is),
    "source_id" (the id of the job that fetched it).
Every reply is also published on the broker's PUB socket as [topic, body] with the topic
"result.<intent>.<ok|error>". docs/protocol.md in the repository is the normative reference.

Use as a module:
    import intentq_client as iq
    reply = iq.submit("tcp://127.0.0.1:5555", "echo", {"greeting": "hello"})
    # A summary up to one second old is fine: pollers of one account share one gateway fetch.
    reply = iq.submit("tcp://127.0.0.1:5555", "summary", {"account": "DU1000001"}, max_age_ms=1000)
    for topic, reply in iq.watch("tcp://127.0.0.1:5557", ["result.echo."], count=1): ...

Or from the shell:
    intentq_client.py --broker tcp://127.0.0.1:5555 submit echo --param greeting=hello
    intentq_client.py --publish tcp://127.0.0.1:5557 watch --topic result. --count 3
With CURVE (a broker started with --curve-secret/--curve-allow), add before the subcommand:
    --curve-server-key keys/broker.key --curve-secret keys/me.key_secret
(or set INTENTQ_CURVE_SERVER_KEY and INTENTQ_CURVE_SECRET).
"""

import argparse
import json
import os
import sys
import uuid

import msgpack
import zmq

DEFAULT_BROKER = os.environ.get("INTENTQ_BROKER", "tcp://127.0.0.1:5555")
DEFAULT_PUBLISH = os.environ.get("INTENTQ_PUBLISH", "tcp://127.0.0.1:5557")
DEFAULT_CURVE_SERVER_KEY = os.environ.get("INTENTQ_CURVE_SERVER_KEY")
DEFAULT_CURVE_SECRET = os.environ.get("INTENTQ_CURVE_SECRET")


class CurveKeys:
    """CURVE client keys: the broker's public key and this client's own pair (all Z85 bytes).

    load() reads the files `intentq keygen` writes (the zcert format, which pyzmq's
    zmq.auth.load_certificate also reads): the broker's NAME.key (or its key as 40 Z85
    characters) and this client's NAME.key_secret, whose NAME.key must be in the broker's
    allow directory (clients/ for submit, subscribers/ for watch).
    """

    def __init__(self, server_public, public, secret):
        self.server_public, self.public, self.secret = server_public, public, secret

    @classmethod
    def load(cls, server_key, secret_file):
        import zmq.auth

        if len(server_key) == 40 and not os.path.exists(server_key):
            server_public = server_key.encode()
        else:
            server_public, _ = zmq.auth.load_certificate(server_key)
        public, secret = zmq.auth.load_certificate(secret_file)
        if secret is None:
            raise ValueError("%s holds no secret key (use the .key_secret file)" % secret_file)
        return cls(server_public, public, secret)

    def apply(self, socket):
        """Makes `socket` a CURVE client of the broker; call before connect()."""
        socket.curve_serverkey = self.server_public
        socket.curve_publickey = self.public
        socket.curve_secretkey = self.secret


class NoReply(Exception):
    """The broker did not answer after every try."""


def decode_body(body):
    """A reply body as Python values; never raises.

    Replies carry whatever bytes a worker or gateway put in them: strings that are not valid
    UTF-8 get U+FFFD in place of the bad bytes, and a body that is not msgpack (or has map keys
    JSON cannot hold) comes back as {"unparsed_bytes": <size>}.
    """
    try:
        return msgpack.unpackb(body, raw=False, unicode_errors="replace")
    except Exception:  # msgpack raises several types (ExtraData, FormatError, ValueError, ...)
        return {"unparsed_bytes": len(body)}


def to_json(value):
    """JSON text for a decoded reply; bin values are shown as hex strings."""
    return json.dumps(value, default=lambda v: v.hex() if isinstance(v, bytes) else repr(v))


def submit(broker, intent, params=None, job_id=None, deadline_ms=None, timeout=5.0, retries=3,
           context=None, curve=None, max_age_ms=None):
    """Submits one job and returns the reply envelope as a dict.

    Lazy Pirate: if no reply comes within `timeout` seconds, the socket is discarded and the
    request resent on a fresh one, up to `retries` times. The job keeps its id across tries, so
    the broker never runs it twice (it attaches the resend to the running job or answers it from
    its dedup cache). `curve` (CurveKeys) makes each try a CURVE client. `max_age_ms` > 0 accepts
    an answer up to that many milliseconds old from an identical recent job (the reply then says
    "cached": true and its "age_ms"); errors are never reused.
    """
    context = context or zmq.Context.instance()
    envelope = {"id": job_id or "py-" + uuid.uuid4().hex[:16], "params": params or {}}
    if deadline_ms is not None:
        envelope["deadline_ms"] = int(deadline_ms)
    if max_age_ms:
        envelope["max_age_ms"] = int(max_age_ms)
    body = msgpack.packb(envelope, use_bin_type=False)
    for _ in range(retries + 1):
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        if curve:
            curve.apply(socket)
        socket.connect(broker)
        try:
            socket.send_multipart([b"", b"MDPC01", intent.encode(), body])
            if socket.poll(int(timeout * 1000)) & zmq.POLLIN:
                frames = socket.recv_multipart()
                # ["", "MDPC01", intent, reply-body]
                if len(frames) == 4 and frames[1] == b"MDPC01":
                    return decode_body(frames[3])
                raise ValueError("unexpected reply shape: %d frames" % len(frames))
        finally:
            socket.close()
    raise NoReply("no reply from %s after %d tries" % (broker, retries + 1))


def watch(publish, topics=("result.",), count=None, context=None, curve=None):
    """Yields (topic, reply) for every result the broker publishes under the topic prefixes."""
    context = context or zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    if curve:
        curve.apply(socket)
    socket.connect(publish)
    for topic in topics:
        socket.setsockopt(zmq.SUBSCRIBE, topic.encode())
    try:
        seen = 0
        while count is None or seen < count:
            frames = socket.recv_multipart()
            if len(frames) != 2:
                continue
            yield frames[0].decode(errors="replace"), decode_body(frames[1])
            seen += 1
    finally:
        socket.close()


def _param(text):
    """key=value; the value is a JSON scalar when it parses as one, else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("--param must be key=value, got %r" % text)
    try:
        parsed = json.loads(value)
        if isinstance(parsed, (dict, list)):
            parsed = value
    except ValueError:
        parsed = value
    return key, parsed


def main(argv=None):
    parser = argparse.ArgumentParser(description="intentq example client")
    parser.add_argument("--broker", default=DEFAULT_BROKER, help="broker frontend endpoint")
    parser.add_argument("--publish", default=DEFAULT_PUBLISH, help="broker publish endpoint")
    parser.add_argument("--curve-server-key", default=DEFAULT_CURVE_SERVER_KEY,
                        help="the broker's CURVE public key (Z85 or NAME.key); turns CURVE on")
    parser.add_argument("--curve-secret", default=DEFAULT_CURVE_SECRET,
                        help="this client's NAME.key_secret (from intentq keygen)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_submit = sub.add_parser("submit", help="submit one job, print the reply as JSON")
    p_submit.add_argument("intent")
    p_submit.add_argument("--param", type=_param, action="append", default=[])
    p_submit.add_argument("--id")
    p_submit.add_argument("--deadline-ms", type=int)
    p_submit.add_argument("--max-age-ms", type=int,
                          help="accept an answer up to this old from an identical recent job")
    p_submit.add_argument("--timeout", type=float, default=5.0, help="seconds per try")
    p_watch = sub.add_parser("watch", help="print published results as JSON lines")
    p_watch.add_argument("--topic", action="append")
    p_watch.add_argument("--count", type=int)
    args = parser.parse_args(argv)
    curve = None
    if args.curve_server_key or args.curve_secret:
        if not (args.curve_server_key and args.curve_secret):
            parser.error("--curve-server-key and --curve-secret go together")
        curve = CurveKeys.load(args.curve_server_key, args.curve_secret)

    if args.command == "submit":
        try:
            reply = submit(args.broker, args.intent, dict(args.param), args.id, args.deadline_ms,
                           args.timeout, curve=curve, max_age_ms=args.max_age_ms)
        except NoReply as e:
            print("intentq_client: %s" % e, file=sys.stderr)
            return 1
        print(to_json(reply))
        return 0 if isinstance(reply, dict) and reply.get("status") == "ok" else 2
    for topic, reply in watch(args.publish, args.topic or ["result."], args.count, curve=curve):
        print(to_json({"topic": topic, "reply": reply}), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as command-line tools do. stdout is
        # pointed at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a tool killed by the signal
    except KeyboardInterrupt:
        sys.exit(130)
