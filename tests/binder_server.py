"""A Jupyter server set up the way Binder (repo2docker) sets one up; conftest's ``jupyter_server``.

Empty Jupyter config and data folders, the project's ``postBuild`` run into
them, and ``jupyter lab`` from this environment on 127.0.0.1 with a random
token, serving a copy of the repository's files (no test can save over the pages).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from book_copy import copy_book

from live_explorer import BOOK_BUILD_ENV

BIN = Path(sys.executable).parent

#: Seconds the server may take to answer /api/status.
SERVER_START = 90
#: Live Code's pages come from another port (origin): allow loopback origins.
#: Thebe sends the token, not an XSRF cookie.
LIVE_CODE_ARGS = (
    r"--ServerApp.allow_origin_pat=^https?://(127\.0\.0\.1|localhost)(:\d+)?$",
    "--ServerApp.disable_check_xsrf=True",
)


class BinderServer(NamedTuple):
    base: str
    token: str
    home: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def binder_lab(tmp: Path, *extra_args: str) -> Iterator[BinderServer]:
    """JupyterLab as Binder runs it, its files in the empty folder ``tmp``; more options after."""
    home = copy_book(tmp / "book")  # the repository's files, as Binder clones them
    # As repo2docker's image: this venv on PATH, empty Jupyter folders, and never
    # BOOK_BUILD_ENV (set only inside the book's build). That postBuild's settings
    # took effect: test_jupyterlab (each page opens as a notebook).
    env = {**{k: v for k, v in os.environ.items()
              if k not in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", BOOK_BUILD_ENV)},
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           **{name: str(tmp / folder) for name, folder in [
               ("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
               ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython")]}}
    post = subprocess.run(["bash", str(home / "postBuild")], cwd=home, env=env,
                          capture_output=True, text=True, timeout=120)
    assert post.returncode == 0, f"postBuild failed:\n{post.stdout}\n{post.stderr}"

    token, port, log_path = secrets.token_hex(24), free_port(), tmp / "jupyter-lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={home}", "--LabApp.expose_app_in_browser=True",
             # No fetches to other hosts: no announcements, no update check.
             "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *extra_args],
            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = BinderServer(f"http://127.0.0.1:{port}", token, home)
    try:
        deadline = time.monotonic() + SERVER_START
        while proc.poll() is None and time.monotonic() < deadline:  # until it answers
            with contextlib.suppress(OSError):  # URLError too
                api(server, "/api/status")
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"jupyter lab exited ({proc.returncode}) or did not answer in "
                        f"{SERVER_START} s:\n{log_path.read_text()[-3000:]}")
        yield server
    finally:
        proc.terminate()  # the server shuts its kernels down, then exits
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # its session (start_new_session): it and its kernels
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def api(server: BinderServer, path: str, method: str = "GET",
        body: dict | None = None) -> list | dict | None:
    """``method`` ``path`` (for example ``/api/sessions``) on the server; its JSON answer."""
    request = urllib.request.Request(
        f"{server.base}{path}?token={server.token}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None
