"""The package installs with pip into a venv that sees the system packages (Debian's pyzmq and
msgpack, setuptools), without any package index, and works from there."""

from __future__ import annotations

import os
import shutil
import subprocess

from cluster import REPO, Cluster, clean_env


def test_pip_install_into_a_venv_without_an_index(cluster: Cluster, tmp_path: "os.PathLike[str]"
                                                  ) -> None:
    tmp = os.fspath(tmp_path)
    # A copy: pip builds in the source tree, which must stay clean.
    source = os.path.join(tmp, "src")
    shutil.copytree(os.path.join(REPO, "clients", "python"), source,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    venv = os.path.join(tmp, "venv")
    env = clean_env()
    env.pop("PYTHONPATH", None)
    # No index, and a proxy that leads nowhere: any attempt to reach a registry fails the test.
    env.update({"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"})
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip",
                    venv], check=True, env=env, timeout=60)
    python = os.path.join(venv, "bin", "python")
    done = subprocess.run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                           source], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run(
        [python, "-c", "import sys, intentq; c = intentq.Client(sys.argv[1]); "
         "print(intentq.__file__); print(c.submit('echo', {'venv': 1}).result); c.close()",
         cluster.frontend], env=env, capture_output=True, text=True, timeout=60, cwd=tmp)
    assert check.returncode == 0, check.stderr
    where, result = check.stdout.splitlines()
    assert where.startswith(venv), where
    assert result == "{'venv': 1}"
    # The console script of the thin command line is installed too.
    assert os.path.exists(os.path.join(venv, "bin", "intentq-py"))
