"""A JupyterHub for one class on one machine: `make hub` runs `python deploy/classroom.py`.

This file is both the launcher (it prepares the state folder, prints how to log in and runs
JupyterHub with deploy/jupyterhub_config.py) and the small library that config file imports:
the per-learner copy of the lessons, the login passwords, the proxy binary and the process limits.

Everything the hub keeps lives in one state folder (default deploy/state/): the hub's database,
its cookie secret, the login passwords, one home folder per learner (homes/<name>/) and the
graded course (course/, exchange/, learner-config/; deploy/course.py).

When the hub runs as root, learners are kept apart the way The Littlest JupyterHub does it: each
learner's server runs as a system user of their own (bl-<name>, made on first spawn) whose home
only they can read, and the solved edition (notebooks/, tests/, .git/) is closed to them.
`python deploy/classroom.py course ...` runs the teacher's steps (release, collect, autograde,
feedback, report).
"""

import argparse
import contextlib
import hashlib
import ipaddress
import json
import os
import pwd
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
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
       "extra_config": "BL_HUB_EXTRA_CONFIG", "admin_token": "BL_HUB_ADMIN_TOKEN",
       "solutions": "BL_HUB_SOLUTIONS"}
USER_PREFIX = "bl-"  # learner <name> runs as system user bl-<name> when the hub runs as root
# What a learner must not read (closed to "others" when the hub starts as root): the solved
# edition, the tests (a solved engine), git's history of both, and a `make lab` edition.
CLOSED = ("notebooks", "tests", ".git", "my_lessons", "test-artifacts")
SHARED_STATE = ("homes", "exchange", "learner-config")  # the state entries learners' servers use
_useradd_lock = threading.Lock()


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


def seed_home(home, solutions=True):
    """Give a learner the learner's edition: <home>/backprop_lab/{README.md, notebooks/, docs/}.

    notebooks/ holds each lesson with a blank for every exercise (backprop_lab.edition), and
    solutions.json unless ``solutions`` is False (a graded lesson: the "show the solution" help
    is off and an older solutions.json is removed). Files the learner already has are kept as they
    are (their edits survive restarts); lessons added to the repository later are copied in. The
    layout mirrors the repository, so a lesson's link to ../README.md opens the README.
    """
    from backprop_lab.edition import make_edition

    course = Path(home) / COURSE
    course.mkdir(parents=True, exist_ok=True)
    make_edition(REPO / "notebooks", course / "notebooks", solutions=solutions, quiet=True)
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    if (REPO / "docs").is_dir():
        shutil.copytree(REPO / "docs", course / "docs", ignore=skip, dirs_exist_ok=True,
                        copy_function=_copy_if_missing)
    _copy_if_missing(REPO / "README.md", course / "README.md")
    return course


def system_user(name):
    """The system user learner ``name`` runs as: bl-<name>, or bl--<safe part>-<hash> for other names.

    A plain name never starts with "-", so no learner can pick a name that maps onto another's
    hashed one; none holds "_", so none maps onto the grader (bl_grader).
    """
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,28}", name):
        return USER_PREFIX + name
    safe = re.sub(r"[^a-z0-9-]", "-", name.lower())[:19].strip("-") or "x"
    return f"{USER_PREFIX}-{safe}-{hashlib.sha256(name.encode()).hexdigest()[:7]}"


def ensure_system_user(name, home):
    """Make learner ``name``'s system user once (useradd, no login shell); returns its pwd entry."""
    user = system_user(name)
    with _useradd_lock:  # useradd locks /etc/passwd: several spawns at once must take turns
        try:
            return pwd.getpwnam(user)
        except KeyError:
            pass
        for attempt in range(10):  # another program (another hub) may hold /etc/passwd's lock a moment
            r = subprocess.run(["useradd", "--user-group", "--no-create-home", "--home-dir", str(home),
                                "--shell", "/usr/sbin/nologin", "--comment", f"backprop_lab learner {name}", user],
                               capture_output=True, text=True)
            if r.returncode == 0 or "lock" not in r.stderr:
                break
            time.sleep(0.2 * (attempt + 1))
        if r.returncode != 0:
            raise RuntimeError(f"useradd {user} failed: {r.stderr.strip()}")
        return pwd.getpwnam(user)


def remove_system_user(name):
    """Delete learner ``name``'s system user (their home folder stays); False if there was none."""
    user = system_user(name)
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    subprocess.run(["userdel", user], check=True, capture_output=True)
    return True


def prepare_home(name, home, solutions=True, isolated=False):
    """Seed a learner's home; when ``isolated``, owned by their system user with mode 0700."""
    home = Path(home)
    if not isolated:
        home.mkdir(parents=True, exist_ok=True)
        return seed_home(home, solutions)
    entry = ensure_system_user(name, home)
    home.mkdir(parents=True, exist_ok=True)
    course = seed_home(home, solutions)
    for dirpath, _dirs, filenames in os.walk(home):
        for path in [dirpath, *(os.path.join(dirpath, f) for f in filenames)]:
            st = os.lstat(path)
            if (st.st_uid, st.st_gid) != (entry.pw_uid, entry.pw_gid):
                os.lchown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return course


def close_repository(repo=REPO):
    """Take "others" access off the solved edition and the tests (chmod o-rwx); returns what changed.

    The learners' servers still use the repository's .venv and the package backprop_lab/, which
    stay readable. Directory modes are not tracked by git, so this leaves no change to commit.
    """
    changed = []
    for name in CLOSED:
        path = Path(repo) / name
        if path.exists() and path.stat().st_mode & 0o007:
            os.chmod(path, path.stat().st_mode & ~0o007)
            changed.append(path)
    return changed


def closed_to_others(path):
    """The first folder on the way to ``path`` (or ``path`` itself) that other users cannot pass, or None."""
    path = Path(path)
    for folder in [*reversed(path.parents), path]:
        if folder.is_dir() and not folder.stat().st_mode & 0o001:
            return folder
    return None


def _learners_need():
    """What learners' servers read: this Python, its standard library, the venv and the package."""
    return [Path(sys.executable).resolve(), Path(sys.base_prefix) / "lib", REPO / ".venv" / "lib",
            REPO / "backprop_lab"]


@contextlib.contextmanager
def borrowed_machine():
    """For tests and benchmarks as root: let learners pass (o+x) to this Python; put back every mode changed after."""
    before = {REPO / name: (REPO / name).stat().st_mode & 0o7777 for name in CLOSED if (REPO / name).exists()}
    while os.geteuid() == 0 and (folder := next(filter(None, map(closed_to_others, _learners_need())), None)):
        before.setdefault(folder, folder.stat().st_mode & 0o7777)
        os.chmod(folder, before[folder] | 0o001)
    try:
        yield
    finally:
        for path, mode in before.items():
            os.chmod(path, mode)


def check_learners_can_run():
    """Refuse to start as root if learners' system users could not run this Python or the package."""
    for path in _learners_need():
        folder = closed_to_others(path)
        if folder is not None:
            raise SystemExit(
                f"learners' servers run as system users of their own, and they cannot reach {path}: {folder} "
                f"is closed to other users. Either let them pass through it (`chmod o+x {folder}`: they can "
                "then open what is readable inside it, not list it), or make .venv with a Python installed "
                "outside it (e.g. Debian's /usr/bin/python3 -m venv .venv).")


def prepare_state(state):
    """Open the state folder just enough for learners' servers (as root): traverse, homes, exchange.

    The hub's own files (database, cookie secret, passwords, logs) are closed to them.
    """
    state = Path(state)
    for parent in state.parents:
        if not parent.stat().st_mode & 0o001:
            raise SystemExit(f"learners' servers cannot reach the state folder {state}: {parent} is closed to "
                             f"other users. Choose another --state (e.g. under /srv or /opt) or run "
                             f"`chmod o+x {parent}`.")
    os.chmod(state, 0o711)
    (state / "homes").mkdir(exist_ok=True)
    os.chmod(state / "homes", 0o711)
    db = state / "jupyterhub.sqlite"
    if not db.exists():
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))  # sqlite takes an empty file as a new db
    for entry in state.iterdir():
        if entry.name not in SHARED_STATE:
            os.chmod(entry, entry.stat().st_mode & ~0o007)


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


def prepare_for_learners(state):
    """Write the learners' course settings; as root, also check and close what they must not read.

    Returns the repository folders just closed to them (chmod o-rwx).
    """
    import course

    course.write_learner_config(state, COURSE)
    if os.geteuid() != 0:
        return []
    check_learners_can_run()
    prepare_state(state)
    return close_repository()


NOT_APART = """\
NOTE: the hub is not running as root, so learners are NOT kept apart: every learner's server
runs as {user}, and a learner's code can read (and change) every other learner's files, the
submissions and the solved edition in {repo}/notebooks. Fine for trying the hub alone; for a
class, run it as root (sudo make hub) or use The Littlest JupyterHub (docs/teaching.md)."""


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
    p.add_argument("--no-solutions", action="store_true",
                   help="no solutions.json in learners' homes (while a lesson is graded)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["course"]:
        import course
        return course.main(argv[1:], default_state=DEFAULT_STATE)
    p.epilog = "The teacher's course steps: %(prog)s course --help"
    args = p.parse_args(argv)
    parse_size(args.mem_limit)  # a clear error now rather than at the first spawn
    state = Path(args.state).resolve()
    creds = credentials(state)  # makes the state folder
    proxy_command()
    env = dict(os.environ)
    env.update({ENV["state"]: str(state), ENV["ip"]: args.ip, ENV["port"]: str(args.port),
                ENV["idle_timeout"]: str(args.idle_timeout), ENV["mem_limit"]: args.mem_limit,
                ENV["extra_config"]: str(Path(args.extra_config).resolve()) if args.extra_config else "",
                ENV["solutions"]: "0" if args.no_solutions else "1"})
    if not args.extra_config:
        check_bind(args.ip, "shared-password")
    for path in prepare_for_learners(state):
        print(f"closed to learners: {path} (chmod o-rwx)")
    print(login_text(f"http://{url_host(args.ip)}:{args.port}/", creds), flush=True)
    if os.geteuid() != 0:
        print(NOT_APART.format(user=pwd.getpwuid(os.geteuid()).pw_name, repo=REPO) + "\n", flush=True)
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(DEPLOY / "jupyterhub_config.py")]
    os.chdir(state)  # the hub's relative files (the proxy's pid file) land in the state folder
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
