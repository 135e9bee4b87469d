"""Where the broker is and how to authenticate: the same defaults, ``INTENTQ_*`` variables and
key files as the ``intentq`` CLI (docs/operations.md, "Configuration" and "Security").

A parameter given to the client wins over the variable, which wins over the default:

=================  ==========================  ==========================
parameter          variable                    default
=================  ==========================  ==========================
broker             INTENTQ_BROKER              tcp://127.0.0.1:5555
publish            INTENTQ_PUBLISH             tcp://127.0.0.1:5557
timeout_ms         INTENTQ_TIMEOUT_MS          5000 (wait per try)
curve_server_key   INTENTQ_CURVE_SERVER_KEY    (none: plain TCP)
curve_secret       INTENTQ_CURVE_SECRET        (none)
=================  ==========================  ==========================
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Union, cast

import zmq
import zmq.utils.z85

DEFAULT_BROKER = "tcp://127.0.0.1:5555"
DEFAULT_PUBLISH = "tcp://127.0.0.1:5557"
DEFAULT_TIMEOUT_MS = 5000
#: The broker's default deadline (--default-deadline-ms), used for the retry budget of requests
#: that give none.
DEFAULT_DEADLINE_MS = 30000
_MAX_CERT_BYTES = 64 * 1024

PathLike = Union[str, "os.PathLike[str]"]


def _env(environ: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def endpoint(value: Optional[str], variable: str, default: str, name: str,
             environ: Optional[Mapping[str, str]] = None) -> str:
    """The endpoint from the parameter, else the variable, else the default."""
    if value is None:
        value = _env(environ).get(variable) or default
        name = variable
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str endpoint such as {default!r}")
    if "://" not in value:
        raise ValueError(f"{name} {value!r} is not a ZeroMQ endpoint such as {default!r}")
    return value


def int_in(value: object, name: str, minimum: int, maximum: int) -> int:
    """``value`` when it is an int (a bool is not) in ``minimum..maximum``; otherwise the
    TypeError or ValueError that names ``name``. The one check of every integer argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be in {minimum}..{maximum}, got {value}")
    return value


def timeout_ms(value: Optional[int], environ: Optional[Mapping[str, str]] = None) -> int:
    name = "timeout_ms"
    if value is None:
        text = _env(environ).get("INTENTQ_TIMEOUT_MS")
        if not text:
            return DEFAULT_TIMEOUT_MS
        name = "INTENTQ_TIMEOUT_MS"
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"INTENTQ_TIMEOUT_MS must be an integer, got {text!r}") from None
    return int_in(value, name, 1, 3_600_000)


@dataclass(frozen=True)
class CurveKeys:
    """A CURVE client's keys, all Z85 bytes: the broker's public key and this client's pair."""

    server_public: bytes
    public: bytes
    secret: bytes

    def apply(self, socket: Any) -> None:
        """Makes ``socket`` a CURVE client of the broker; call before connect()."""
        socket.curve_serverkey = self.server_public
        socket.curve_publickey = self.public
        socket.curve_secretkey = self.secret


_z85_decode = cast(Callable[[bytes], bytes], zmq.utils.z85.decode)


def _is_z85_key(text: str) -> bool:
    if len(text) != 40:
        return False
    try:
        return len(_z85_decode(text.encode("ascii"))) == 32
    except Exception:
        return False


def _cert_value(text: str, key: str) -> str:
    """The quoted value of ``key = "..."`` in the certificate's ``curve`` section (the zcert
    format `intentq keygen`, czmq and pyzmq's zmq.auth write)."""
    in_curve = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            in_curve = stripped == "curve"
            continue
        if not in_curve:
            continue
        name, sep, value = stripped.partition("=")
        if sep and name.strip() == key:
            value = value.strip()
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                return value[1:-1]
    return ""


def _read_cert(path: str, name: str) -> str:
    try:
        size = os.path.getsize(path)
        if size > _MAX_CERT_BYTES:
            raise ValueError(f"{name}: {path} is not a certificate (over 64 KiB)")
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"{name}: cannot read {path}: {e.strerror}") from None


def load_server_key(text_or_path: str, name: str = "curve_server_key") -> bytes:
    """The broker's public key: 40 Z85 characters, or the path of its NAME.key file."""
    if _is_z85_key(text_or_path) and not os.path.exists(text_or_path):
        return text_or_path.encode("ascii")
    key = _cert_value(_read_cert(text_or_path, name), "public-key")
    if not _is_z85_key(key):
        raise ValueError(
            f"{name}: {text_or_path} holds no valid public-key (40 Z85 characters; "
            "give the broker's NAME.key or the key itself)"
        )
    return key.encode("ascii")


def load_secret(path: str, name: str = "curve_secret") -> tuple[bytes, bytes]:
    """(public, secret) of a NAME.key_secret file, with the checks the CLI makes: it must hold a
    secret key, that key's public half must match, and group/others must have no access."""
    text = _read_cert(path, name)
    secret = _cert_value(text, "secret-key")
    if not _is_z85_key(secret):
        raise ValueError(f"{name}: {path} holds no valid secret-key (is it the .key_secret file?)")
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"{name}: {path} is accessible by group or others; chmod 600 it")
    derived = zmq.curve_public(secret.encode("ascii"))
    public = _cert_value(text, "public-key")
    if public and public.encode("ascii") != derived:
        raise ValueError(f"{name}: {path}: public-key does not belong to secret-key")
    return derived, secret.encode("ascii")


def curve_keys(
    server_key: Optional[PathLike],
    secret: Optional[PathLike],
    environ: Optional[Mapping[str, str]] = None,
) -> Optional[CurveKeys]:
    """CURVE keys from the parameters, else INTENTQ_CURVE_SERVER_KEY / INTENTQ_CURVE_SECRET;
    None when neither is set. One without the other is refused, as the CLI does."""
    env = _env(environ)
    server_name, secret_name = "curve_server_key", "curve_secret"
    if server_key is None and secret is None:
        server_key = env.get("INTENTQ_CURVE_SERVER_KEY") or None
        secret = env.get("INTENTQ_CURVE_SECRET") or None
        server_name, secret_name = "INTENTQ_CURVE_SERVER_KEY", "INTENTQ_CURVE_SECRET"
    if server_key is None and secret is None:
        return None
    for value, name in ((server_key, server_name), (secret, secret_name)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{name} must be a str or path, not {type(value).__name__}")
    if server_key is None or secret is None:
        missing = server_name if server_key is None else secret_name
        given = secret_name if server_key is None else server_name
        raise ValueError(f"{given} is set but {missing} is not: CURVE needs both")
    public, secret_key = load_secret(os.fspath(secret), secret_name)
    return CurveKeys(load_server_key(os.fspath(server_key), server_name), public, secret_key)
