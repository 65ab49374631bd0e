"""A JupyterHub for one class on one machine: `make hub` runs `python deploy/classroom.py`.

This file is both the launcher (it prepares the state folder, prints how to log in and runs
JupyterHub with deploy/jupyterhub_config.py) and the small library that config file imports:
the per-learner copy of the lessons, the login passwords, the proxy binary and the process limits.

Everything the hub keeps lives in one state folder (default deploy/state/): the hub's database,
its cookie secret, the login passwords and one home folder per learner (homes/<name>/).
"""

import argparse
import ipaddress
import json
import os
import resource
import secrets
import shutil
import socket
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
DEFAULT_STATE = DEPLOY / "state"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE = "backprop_lab"  # the folder each learner gets in their home: README.md, notebooks/, docs/
LESSONS_URL = f"/lab/tree/{COURSE}/notebooks"  # where a learner's JupyterLab opens
ADMIN = "teacher"  # the one admin user name (logs in with the admin password)
LOCAL_AUTHENTICATORS = {"shared-password", "dummy",
                        "jupyterhub.authenticators.shared.SharedPasswordAuthenticator",
                        "jupyterhub.auth.DummyAuthenticator"}
# Environment variables the launcher hands to deploy/jupyterhub_config.py.
ENV = {"state": "BL_HUB_STATE", "ip": "BL_HUB_IP", "port": "BL_HUB_PORT",
       "idle_timeout": "BL_HUB_IDLE_TIMEOUT", "mem_limit": "BL_HUB_MEM_LIMIT",
       "extra_config": "BL_HUB_EXTRA_CONFIG", "admin_token": "BL_HUB_ADMIN_TOKEN"}


def is_loopback(ip):
    """True for 127.0.0.0/8, ::1 and 'localhost'; False for anything a network can reach."""
    if ip in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_size(text):
    """'2G', '512M', '1.5G' or a plain number of bytes -> bytes (None for '', '0' or 'none')."""
    text = str(text).strip().upper()
    if text in ("", "0", "NONE"):
        return None
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    try:
        if text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"cannot read the size {text!r}: give bytes or a number with K, M, G or T, "
                         "e.g. 2G") from None


def credentials(state):
    """The login passwords, made once per state folder (state/login.json, readable by root only)."""
    path = Path(state) / "login.json"
    if path.exists():
        return json.loads(path.read_text())
    creds = {"user_password": secrets.token_urlsafe(9),      # 12 characters, short enough to read out
             "admin_password": secrets.token_urlsafe(32)}    # 43 characters (JupyterHub wants >= 32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)
    return creds


def _copy_if_missing(src, dst):
    """copytree's copy function that never overwrites a learner's file."""
    if not os.path.exists(dst):
        shutil.copy2(src, dst)
    return dst


def seed_home(home):
    """Give a learner their copy of the lessons: <home>/backprop_lab/{README.md, notebooks/, docs/}.

    Files the learner already has are kept as they are (their edits survive restarts); lessons
    added to the repository later are copied in. The layout mirrors the repository, so a lesson's
    link to ../README.md opens the README, as it does under `make lab`.
    """
    course = Path(home) / COURSE
    course.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    shutil.copytree(REPO / "notebooks", course / "notebooks", ignore=skip, dirs_exist_ok=True,
                    copy_function=_copy_if_missing)
    if (REPO / "docs").is_dir():
        shutil.copytree(REPO / "docs", course / "docs", ignore=skip, dirs_exist_ok=True,
                        copy_function=_copy_if_missing)
    _copy_if_missing(REPO / "README.md", course / "README.md")
    return course


def limit_process(address_space=None, nice=0):
    """Run in a learner's process before it starts: cap its address space (bytes) and lower its priority.

    RLIMIT_AS is inherited by every kernel the server starts, and each process gets its own cap:
    a kernel that allocates past it gets MemoryError instead of taking memory from the class.
    """
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    if nice:
        os.nice(nice)


def url_host(ip):
    """``ip`` as the host part of a URL (an IPv6 address in brackets)."""
    return f"[{ip}]" if ":" in ip else ip


def check_bind(ip, authenticator_class):
    """Refuse to listen beyond this machine while anyone who knows the shared password can log in."""
    name = authenticator_class if isinstance(authenticator_class, str) else (
        f"{authenticator_class.__module__}.{authenticator_class.__name__}")
    if not is_loopback(ip) and name in LOCAL_AUTHENTICATORS:
        raise SystemExit(
            f"refusing to listen on {ip}: the shared-password login is for trying the hub on this "
            "machine only (127.0.0.1). To open it to a network, configure a real authenticator "
            "(e.g. oauthenticator's GitHubOAuthenticator, or TLJH) in a config file and pass it "
            "with --extra-config FILE; see docs/teaching.md.")


def proxy_command():
    """The configurable-http-proxy installed from deploy/package-lock.json, or a clear error."""
    if not os.access(PROXY, os.X_OK):
        raise SystemExit(f"configurable-http-proxy is missing ({PROXY}). Install it from the "
                         "pinned lock file:  npm ci --prefix deploy   (or run `make hub`).")
    return [str(PROXY)]


def login_text(url, creds):
    """What `make hub` prints: where to go and how to log in."""
    return "\n".join([
        "",
        f"JupyterHub for backprop_lab: open {url}",
        f"  learners: any user name, password  {creds['user_password']}",
        f"  teacher : user name '{ADMIN}', password  {creds['admin_password']}  (admin page: {url}hub/admin)",
        "  (passwords are kept in the state folder's login.json; Ctrl-C stops the hub and every",
        "   learner's server; their files stay in the state folder's homes/)",
        "",
    ])


def main(argv=None):
    """Prepare the state folder, print how to log in, then run JupyterHub in the foreground."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--state", default=str(DEFAULT_STATE),
                   help="folder for the hub's database, passwords and learners' homes")
    p.add_argument("--idle-timeout", type=int, default=3600,
                   help="stop a learner's server after this many seconds without activity")
    p.add_argument("--mem-limit", default="3G",
                   help="address-space cap per learner process (server, each kernel); 0 for none")
    p.add_argument("--extra-config", default="",
                   help="a JupyterHub config file loaded last (a real authenticator, for example)")
    args = p.parse_args(argv)
    parse_size(args.mem_limit)  # a clear error now rather than at the first spawn
    state = Path(args.state).resolve()
    creds = credentials(state)  # makes the state folder
    proxy_command()
    env = dict(os.environ)
    env.update({ENV["state"]: str(state), ENV["ip"]: args.ip, ENV["port"]: str(args.port),
                ENV["idle_timeout"]: str(args.idle_timeout), ENV["mem_limit"]: args.mem_limit,
                ENV["extra_config"]: str(Path(args.extra_config).resolve()) if args.extra_config else ""})
    if not args.extra_config:
        check_bind(args.ip, "shared-password")
    print(login_text(f"http://{url_host(args.ip)}:{args.port}/", creds), flush=True)
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(DEPLOY / "jupyterhub_config.py")]
    os.chdir(state)  # the hub's relative files (the proxy's pid file) land in the state folder
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
