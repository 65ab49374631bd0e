"""A private JupyterLab server for the browser tests, and where things live (notebooks, artifacts, docs).

Nothing here touches the repository's notebooks: the server runs on a temporary copy, with its own
Jupyter config, data, runtime and settings folders. Pages: labpage.py; widgets: labwidgets.py.
"""

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
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"
DOCS = REPO / "docs"
HARNESS = "_harness.ipynb"  # tooling check notebooks, written next to the copied lessons
HARNESS_ERROR = "_harness_error.ipynb"
ROUNDTRIPS = {}  # explorer name -> round-trip milliseconds, printed in the terminal summary

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

# JupyterLab user settings written into the private settings folder: no news, no update checks,
# and every cell kept in the DOM (no windowing), so prompts, outputs and screenshots are complete.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/palette.jupyterlab-settings": {"modal": True},
}
# Plugins switched off through page_config.json: the news/update pop-up intercepts clicks.
DISABLED_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]


def chromium_path():
    """The Chromium to drive: $CHROMIUM_PATH if set, else Debian's /usr/bin/chromium (None if missing)."""
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab server on 127.0.0.1 with a random token, serving ``root_dir``; stop() ends it."""

    def __init__(self, root_dir, home, timeout=120):
        self.root_dir = Path(root_dir)
        self.home = Path(home)
        self.port = free_port()
        self.token = secrets.token_urlsafe(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = self.home / "jupyter-lab.log"
        self.proc = None
        self._start(timeout)

    def _env(self):
        """Environment with private Jupyter folders, so the user's config does not leak in."""
        dirs = {name: self.home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for rel, content in LAB_SETTINGS.items():
            target = dirs["settings"] / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content))
        labconfig = dirs["config"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {name: True for name in DISABLED_PLUGINS}}))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            PYTHONUNBUFFERED="1",
            MPLBACKEND="Agg",
        )
        env.pop("JUPYTER_PATH", None)  # kernelspecs and lab extensions come from the venv only
        return env, dirs

    def _start(self, timeout):
        env, dirs = self._env()
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.open_browser=False",
            "--ServerApp.disable_check_xsrf=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            "--LabApp.extension_manager=readonly",
            "--ServerApp.terminals_enabled=False",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        url = f"{self.base}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout}s:\n{self.log_tail()}")

    def url(self, path):
        """A lab URL with the token, e.g. url('lab/tree/01_x.ipynb')."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path, method="GET"):
        """Call the server's REST API; returns the decoded JSON (or None)."""
        req = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Shut down every kernel the server runs (best effort)."""
        try:
            for k in self.api("kernels"):
                self.api(f"kernels/{k['id']}", method="DELETE")
        except Exception:  # noqa: BLE001 - cleanup only
            pass

    def log_tail(self, n=40):
        """The last lines of the server log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """Terminate the server (its whole process group: kernels too), then kill if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.shutdown_kernels()
        stop_process_group(self.proc)
        self._log.close()


def stop_process_group(proc):
    """End a process started in its own session, with everything it started: SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def publish_screenshot(path, docs_name):
    """Copy an artifact screenshot to docs/ (for the README) only when UPDATE_DOCS_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / docs_name)
        return DOCS / docs_name
    return None


def notebook_names():
    """Every lesson notebook in notebooks/, sorted (the run-all test is parametrized over these)."""
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def notebook_named(prefix):
    """The lesson notebook whose name starts with ``prefix`` (e.g. '02_'), or None."""
    found = [n for n in notebook_names() if n.startswith(prefix)]
    return found[0] if len(found) == 1 else None


def copy_notebooks(dest):
    """Copy notebooks/ (without checkpoints) to dest; the tests never touch the repo's files."""
    shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
                    dirs_exist_ok=True)
    return Path(dest)


def http_status(url, timeout=5):
    """HTTP status of a GET (an HTTPError's code counts as an answer; None if nothing listens yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return None


@contextmanager
def notebook7_server(root, home, settings=None):
    """A Jupyter Notebook 7 server (the `notebook` package) on root, with private Jupyter folders under home.

    ``settings`` maps a settings file (relative to the settings folder) to its JSON content.
    Yields (base URL, token); the server and everything it started are stopped afterwards.
    """
    home = Path(home)
    for rel, content in (settings or {}).items():
        (home / "settings" / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / rel).write_text(json.dumps(content))
    port, token = free_port(), secrets.token_urlsafe(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "ws"), IPYTHONDIR=str(home / "ipython"), MPLBACKEND="Agg")
    env.pop("JUPYTER_PATH", None)
    cmd = [sys.executable, "-m", "notebook", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "notebook.log", "w+")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while http_status(f"{base}/api/status?token={token}") != 200:
            log.seek(0)
            assert proc.poll() is None and time.monotonic() < deadline, log.read()[-3000:]
            time.sleep(0.5)
        yield base, token
    finally:
        stop_process_group(proc)
        log.close()
