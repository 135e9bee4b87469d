"""CURVE: keys made by `intentq keygen`, given as parameters or INTENTQ_* variables, and the
diagnosis of every handshake mistake (no key, a key the broker does not allow, a wrong server
key) plus the key-file mistakes, refused before anything is sent."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Iterator

import pytest

import intentq
from cluster import Cluster, bin_dir, clean_env


def keygen(directory: str, name: str) -> tuple[str, str]:
    subprocess.run([os.path.join(bin_dir(), "intentq"), "keygen", directory, "--name", name],
                   check=True, capture_output=True, env=clean_env(), timeout=30)
    return os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.key_secret")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    root = str(tmp_path_factory.mktemp("keys"))
    made = {name: keygen(os.path.join(root, "own"), name)
            for name in ("broker", "worker", "client", "stranger", "subscriber")}
    for name, domain in (("worker", "workers"), ("client", "clients"),
                         ("subscriber", "subscribers")):
        os.makedirs(os.path.join(root, "allow", domain), exist_ok=True)
        shutil.copy(made[name][0], os.path.join(root, "allow", domain))
    made["allow"] = (os.path.join(root, "allow"), "")
    return made


@pytest.fixture(scope="module")
def curve_cluster(log_dir: str, keys: dict[str, tuple[str, str]]) -> Iterator[Cluster]:
    c = Cluster(log_dir)
    try:
        c.start_broker("--curve-secret", keys["broker"][1], "--curve-allow", keys["allow"][0])
        c.start_worker("--curve-server-key", keys["broker"][0], "--curve-secret",
                       keys["worker"][1])
        yield c
    finally:
        c.stop()


def test_submit_with_keys_as_parameters(curve_cluster: Cluster,
                                        keys: dict[str, tuple[str, str]]) -> None:
    with intentq.Client(curve_cluster.frontend, curve_server_key=keys["broker"][0],
                        curve_secret=keys["client"][1]) as client:
        assert client.submit("echo", {"curve": 1}).result == {"curve": 1}
        assert client.stats()["counters"]["zap_denied"] >= 0


async def test_async_submit_with_keys_from_the_environment(
        curve_cluster: Cluster, keys: dict[str, tuple[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTQ_BROKER", curve_cluster.frontend)
    # The server key as the 40 Z85 characters, as the CLI also accepts it.
    server_key = intentq.curve_keys(keys["broker"][0], keys["client"][1])
    assert server_key is not None
    monkeypatch.setenv("INTENTQ_CURVE_SERVER_KEY", server_key.server_public.decode())
    monkeypatch.setenv("INTENTQ_CURVE_SECRET", keys["client"][1])
    async with intentq.AsyncClient() as client:
        assert (await client.submit("echo", {"env": 1})).result == {"env": 1}


def test_subscription_with_a_subscriber_key(curve_cluster: Cluster,
                                            keys: dict[str, tuple[str, str]]) -> None:
    with intentq.Client(curve_cluster.frontend, publish=curve_cluster.publish,
                        curve_server_key=keys["broker"][0],
                        curve_secret=keys["client"][1]) as client:
        submitter = client
        with intentq.Client(curve_cluster.frontend, publish=curve_cluster.publish,
                            curve_server_key=keys["broker"][0],
                            curve_secret=keys["subscriber"][1]) as watcher:
            with watcher.subscribe(["result.echo."]) as sub:
                sub.wait_connected()
                for i in range(200):
                    submitter.submit("echo", {"probe": i})
                    got = sub.recv(timeout_ms=50)
                    if got is not None:
                        break
                else:
                    raise AssertionError("no published result over CURVE")
    assert got.reply is not None and got.reply.intent == "echo"


def test_subscription_without_an_allowed_key_is_diagnosed(
        curve_cluster: Cluster, keys: dict[str, tuple[str, str]]) -> None:
    # The client key is allowed on the frontend, not on the publish socket.
    with intentq.Client(curve_cluster.frontend, publish=curve_cluster.publish,
                        curve_server_key=keys["broker"][0],
                        curve_secret=keys["client"][1]) as client:
        with client.subscribe() as sub:
            with pytest.raises(intentq.CurveHandshakeFailed) as info:
                sub.wait_connected(timeout_ms=2000)
    assert "subscribers/" in str(info.value)


def test_no_keys_is_diagnosed(curve_cluster: Cluster) -> None:
    with intentq.Client(curve_cluster.frontend, connect_timeout_ms=1000) as client:
        with pytest.raises(intentq.CurveHandshakeFailed) as info:
            client.submit("echo")
    assert "INTENTQ_CURVE_SERVER_KEY" in str(info.value)


def test_a_key_the_broker_does_not_allow_is_diagnosed(
        curve_cluster: Cluster, keys: dict[str, tuple[str, str]]) -> None:
    with intentq.Client(curve_cluster.frontend, curve_server_key=keys["broker"][0],
                        curve_secret=keys["stranger"][1], connect_timeout_ms=1000) as client:
        with pytest.raises(intentq.CurveHandshakeFailed) as info:
            client.submit("echo")
    assert "INTENTQ_CURVE_SECRET" in str(info.value) and "clients/" in str(info.value)


def test_a_wrong_server_key_is_diagnosed(curve_cluster: Cluster,
                                         keys: dict[str, tuple[str, str]]) -> None:
    with intentq.Client(curve_cluster.frontend, curve_server_key=keys["worker"][0],
                        curve_secret=keys["client"][1], connect_timeout_ms=1000) as client:
        with pytest.raises(intentq.CurveHandshakeFailed) as info:
            client.submit("echo")
    assert "curve_server_key" in str(info.value)


def test_key_file_mistakes_are_refused_before_sending(
        keys: dict[str, tuple[str, str]], tmp_path: "os.PathLike[str]") -> None:
    broker_pub = keys["broker"][0]
    with pytest.raises(ValueError, match="curve_secret.*no valid secret-key"):
        intentq.Client(curve_server_key=broker_pub, curve_secret=keys["client"][0])
    loose = os.path.join(os.fspath(tmp_path), "loose.key_secret")
    shutil.copy(keys["client"][1], loose)
    os.chmod(loose, 0o644)
    with pytest.raises(ValueError, match="curve_secret.*chmod 600"):
        intentq.Client(curve_server_key=broker_pub, curve_secret=loose)
    with pytest.raises(ValueError, match="curve_server_key.*cannot read"):
        intentq.Client(curve_server_key=os.path.join(os.fspath(tmp_path), "missing.key"),
                       curve_secret=keys["client"][1])
    with pytest.raises(ValueError, match="curve_server_key.*no valid public-key"):
        intentq.Client(curve_server_key=__file__, curve_secret=keys["client"][1])
    with pytest.raises(ValueError, match="curve_server_key is set but curve_secret is not"):
        intentq.Client(curve_server_key=broker_pub)
