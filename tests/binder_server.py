"""A Jupyter server set up the way Binder (repo2docker) sets one up, for the tests.

Named ``binder_server`` (not ``jupyter_server``, which is the real package).

What a student gets from the Binder button, rebuilt locally: an empty Jupyter
config and data folder, the project's own ``postBuild`` run into them, and
``jupyter lab`` from this environment on 127.0.0.1 with a random token,
serving a copy of the repository (so nothing a test does can save over the
pages). ``live_explorer.BOOK_BUILD_ENV`` is dropped: only the book's build sets it.

API
---
- ``binder_lab(tmp, *extra_args)``: context manager; yields a ``BinderServer``
  (a named tuple ``(base, token, home)``: base URL, token, served folder).
- The session fixture ``jupyter_server`` (tests/conftest.py) starts ONE such
  server for the whole run, shared by tests/test_jupyterlab.py and
  tests/test_live_code.py. It accepts requests from any loopback origin
  (``LIVE_CODE_ARGS``), so a page served by ``book_site.serve`` on any port
  can run Live Code against it. Tests shut down the kernels they start.
- ``api(server, path)``: GET a JSON endpoint of the server (token added).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from live_explorer import BOOK_BUILD_ENV

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

#: Seconds the server may take to answer /api/status.
SERVER_START = 90

#: Not copied into the folder JupyterLab serves: environments, builds, caches.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".venv-bench", "venv", "_build", ".cache", "node_modules",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "__pycache__", ".jupyter_cache",
    ".ipynb_checkpoints",
)

#: Live Code (Thebe) runs in a page served from another port, so another
#: origin: CORS and the websocket's origin check must allow loopback pages.
#: Thebe sends the token, not an XSRF cookie, with its requests.
LIVE_CODE_ARGS = (
    r"--ServerApp.allow_origin_pat=^https?://(127\.0\.0\.1|localhost)(:\d+)?$",
    "--ServerApp.disable_check_xsrf=True",
)


class BinderServer(NamedTuple):
    """A running server: its base URL, its token, and the folder it serves."""

    base: str
    token: str
    home: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binder_env(tmp: Path) -> dict[str, str]:
    """The environment repo2docker's image gives: this venv on PATH, empty Jupyter dirs."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
    }
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    # Set only inside the book's build (_ext/jacobian_book); Binder never has it.
    env.pop(BOOK_BUILD_ENV, None)
    return env


@contextlib.contextmanager
def binder_lab(tmp: Path, *extra_args: str) -> Iterator[BinderServer]:
    """JupyterLab as Binder runs it; yields ``BinderServer(base, token, home)``.

    Parameters
    ----------
    tmp : Path
        An empty folder: the copy of the repository, Jupyter's config and
        data folders and the server's log go there.
    *extra_args : str
        More ``jupyter lab`` options (for example ``LIVE_CODE_ARGS``).
    """
    home = tmp / "book"
    shutil.copytree(ROOT, home, ignore=COPY_IGNORE)
    env = binder_env(tmp)
    post = subprocess.run(["bash", str(home / "postBuild")], cwd=home, env=env,
                          capture_output=True, text=True, timeout=120)
    assert post.returncode == 0, f"postBuild failed:\n{post.stdout}\n{post.stderr}"
    overrides = tmp / "jupyter-config" / "labconfig" / "default_setting_overrides.json"
    assert overrides.exists(), "postBuild did not write into JUPYTER_CONFIG_DIR"

    token = secrets.token_hex(24)
    port = free_port()
    log_path = tmp / "jupyter-lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
             "--LabApp.expose_app_in_browser=True",
             # No fetches to other hosts: no announcements, no update check.
             "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *extra_args],
            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in {SERVER_START} s:\n"
                                f"{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield BinderServer(base, token, home)
    finally:
        # SIGTERM: the server shuts its kernels down, then exits.
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Our own session (start_new_session): the server and its kernels.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def api(server: BinderServer, path: str) -> list | dict:
    """GET ``path`` (for example ``/api/kernels``) from the server, parsed as JSON."""
    url = f"{server.base}{path}?token={server.token}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())
