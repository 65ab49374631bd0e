"""Classroom capacity: N simulated learners drag explorer sliders through a real JupyterHub.

Each learner is simulated at the protocol level, with no browser: the hub's REST API starts their
server; the Jupyter server's REST API saves an edited lesson and starts a kernel; the kernel
websocket (through the hub's proxy, as a browser's traffic goes) runs the explorer cells of
lessons 2 and 5; then the learner drags a slider at a human pace: bursts of 10 value changes
50 ms apart, a few seconds of thinking between bursts. A change is a widget comm message
{"method": "update", "state": {"value": v}}, sent the way JupyterLab's widget manager sends it:
at most one message in flight per slider, newer values held back and merged until the kernel
reports idle (``--flood`` sends every value regardless, like a naive client).

Latency of one change: from the moment the learner moves the slider to the moment a redraw of
the explorer's numbers (an HTML widget update holding its number table) that reflects this value
or a newer one comes back. Reported: p50/p90 per N, kernel and server memory (RSS) per learner,
and the largest N whose p90 stays within the goal.

    .venv/bin/python benchmarks/bench_classroom.py            # the sweep N = 1, 5, 10, 20, 30, 40, 50, 60
                                                              # (about 20 min on a quiet 2-core machine,
                                                              # mostly starting 60 servers; 15 GB of RAM)
    .venv/bin/python benchmarks/bench_classroom.py --quick    # N = 1, 3: a minute or so
    .venv/bin/python benchmarks/bench_classroom.py --fault 20 # kill one kernel mid-drag at N = 20

All traffic goes to 127.0.0.1; every loop is bounded in count and time; the hub and every
process it started are stopped at the end. The tests (tests/test_hub_classroom.py) use the same
classes with N = 3.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "deploy"))
import classroom  # noqa: E402  (deploy/classroom.py: the launcher make hub runs)

GOAL_MS = 250.0
LESSON2 = "backprop_lab/notebooks/02_backprop_by_hand.ipynb"
LESSON5 = "backprop_lab/notebooks/05_xor.ipynb"
# The explorer cells of lessons 2 and 5 (the lessons call these; the names are the package's).
CELLS = {
    "chain": "from backprop_lab import chain_rule_explorer, graph_stepper\n"
             "chain = chain_rule_explorer()\ndisplay(chain)\nstepper = graph_stepper()\ndisplay(stepper)",
    "xor": "from backprop_lab import xor_explorer\nxor = xor_explorer()\ndisplay(xor)",
}
# The slider each target drags: (model name, description, values it can take).
SLIDERS = {
    "chain": ("FloatSliderModel", "x", [round(-2 + 0.01 * i, 2) for i in range(401)]),
    "xor": ("IntSliderModel", "seed", list(range(20))),
}
NUMBER_CELL = re.compile(r'class="bl-value" data-name="([^"]+)"[^>]*>([^<]*)<')
MARKER = "Edited by learner {name}: keep me."


def numbers(html_text):
    """The {data-name: float} cells of an explorer's number table (non-numbers are skipped)."""
    out = {}
    for name, text in NUMBER_CELL.findall(html_text):
        try:
            out[name.replace("&#x27;", "'")] = float(text)
        except ValueError:
            pass
    return out


def percentile(values, q):
    """The q-th percentile (nearest rank) of a list of numbers; nan for an empty list."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


def rss_mb(pid):
    """Resident memory of one process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pids):
    """CPU time (user + system, with reaped children such as graphviz's dot) of these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def pids_under(folder):
    """Processes whose working directory is inside ``folder`` (the hub's state folder)."""
    folder = str(Path(folder).resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == folder or cwd.startswith(folder + os.sep):
            found.append(int(entry.name))
    return found


def kernel_pid(kernel_id):
    """The pid of the kernel process with this id (its connection file names it), or None."""
    needle = f"kernel-{kernel_id}.json".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                continue
    return None


class Hub:
    """`python deploy/classroom.py` on a free loopback port with its own state folder and tokens."""

    def __init__(self, state=None, idle_timeout=3600, mem_limit="3G"):
        self.own_state = state is None
        self.state = Path(state or tempfile.mkdtemp(prefix="bl-hub-")).resolve()
        self.port = classroom.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_hex(24)
        self.idle_timeout, self.mem_limit = idle_timeout, mem_limit
        self.proc = None
        self.log_path = self.state / "hub.log"
        self.banner = ""

    def start(self, timeout=120):
        """Start the hub and wait until its API answers through the proxy."""
        env = dict(os.environ, **{classroom.ENV["admin_token"]: self.admin_token}, PYTHONUNBUFFERED="1")
        cmd = [sys.executable, str(REPO / "deploy" / "classroom.py"), "--port", str(self.port),
               "--state", str(self.state), "--idle-timeout", str(self.idle_timeout),
               "--mem-limit", self.mem_limit]
        self.state.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=3) as r:
                    if r.status == 200:
                        self.banner = self.log_path.read_text(errors="replace")
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the hub did not answer within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        """The end of the hub's log (for error messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def credentials(self):
        """The login passwords the hub printed (from the state folder)."""
        return classroom.credentials(self.state)

    def stop(self, timeout=60):
        """Stop the hub (it stops the proxy and every learner's server), then anything left over."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        leftovers = pids_under(self.state)
        for pid in leftovers:  # only processes running inside this hub's own state folder
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return leftovers

    def remove(self):
        """Delete the state folder if this object made it."""
        if self.own_state:
            shutil.rmtree(self.state, ignore_errors=True)


def _msg(msg_type, content, session, channel="shell"):
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
                       "username": "learner", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}


class Drag:
    """One burst on one slider: the moves, what was sent, and when each move showed on the page."""

    def __init__(self, target, values, throttle):
        self.target, self.values, self.throttle = target, values, throttle
        self.moved_at = [None] * len(values)
        self.shown_at = [None] * len(values)
        self.sent = {}  # msg_id -> move index
        self.in_flight = None
        self.held = None  # the newest move held back while a message is in flight
        self.idle_upto = -1  # highest move index whose message the kernel has finished
        self.stale = 0  # redraws after the learner let go that still showed an older value
        self.shown = []  # numbers of every redraw, in order

    def resolve(self, upto, now):
        for i in range(min(upto, len(self.values) - 1) + 1):
            if self.moved_at[i] is not None and self.shown_at[i] is None:
                self.shown_at[i] = now

    def latencies(self):
        pairs = zip(self.moved_at, self.shown_at)
        return [(s - m) * 1000 for m, s in pairs if m is not None and s is not None]

    def missing(self):
        return sum(1 for m, s in zip(self.moved_at, self.shown_at) if m is not None and s is None)

    def done(self):
        return self.shown_at[-1] is not None


class Learner:
    """One simulated learner: their server, their kernel, their websocket and their sliders."""

    def __init__(self, hub, name, seed=0, throttle=True, targets=("chain", "xor")):
        self.hub, self.name = hub, name
        self.rng = random.Random(seed)
        self.throttle = throttle
        self.targets = targets
        self.http = AsyncHTTPClient()
        self.token = None
        self.kernel_id = None
        self.ws = None
        self.session = uuid.uuid4().hex
        self.models = {}  # comm_id -> (model name, state at open, msg_id of the cell that opened it)
        self.sliders = {}  # target -> comm_id of the slider it drags
        self.outputs = {}  # target -> set of comm_ids of the explorer's HTML widgets
        self.drag = None
        self.drags = []
        self.replies = {}  # msg_id -> Future of the shell reply
        self.idles = {}  # msg_id -> Future set when the kernel reports idle after it
        self.errors = []
        self.reader = None
        self.server_pid = None

    # ---- REST ----
    async def api(self, method, path, body=None, token=None, hub=False, ok=(200, 201, 202, 204)):
        """A JSON REST call through the proxy (hub API or this learner's server)."""
        base = f"{self.hub.url}/hub/api" if hub else f"{self.hub.url}/user/{self.name}/api"
        req = HTTPRequest(f"{base}/{path}", method=method,
                          headers={"Authorization": f"token {token or self.token}",
                                   "Content-Type": "application/json"},
                          body=None if body is None and method == "GET" else json.dumps(body or {}),
                          allow_nonstandard_methods=True, request_timeout=120)
        try:
            r = await self.http.fetch(req, raise_error=False)
        except Exception as exc:  # noqa: BLE001 - reported with the call that failed
            raise RuntimeError(f"{self.name}: {method} {path}: {exc}") from exc
        if r.code not in ok:
            raise RuntimeError(f"{self.name}: {method} {path} -> {r.code} {r.body[:300]!r}")
        return json.loads(r.body) if r.body else None

    async def start_server(self, timeout=240):
        """Create the user, start their server through the hub API, get them a token."""
        admin = self.hub.admin_token
        await self.api("POST", f"users/{self.name}", token=admin, hub=True, ok=(201, 409))
        await self.api("POST", f"users/{self.name}/server", token=admin, hub=True, ok=(201, 202, 400))
        deadline = time.monotonic() + timeout
        while True:
            user = await self.api("GET", f"users/{self.name}", token=admin, hub=True)
            server = user.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: server not ready after {timeout}s")
            await asyncio.sleep(0.5)
        if self.token is None:
            tok = await self.api("POST", f"users/{self.name}/tokens", {"note": "classroom bench"},
                                 token=admin, hub=True)
            self.token = tok["token"]
        await self.api("GET", "status")

    async def save_edit(self, path=LESSON2):
        """Add a markdown cell to a lesson and save it through the contents API (as the UI does)."""
        model = await self.api("GET", f"contents/{path}?content=1")
        nb = model["content"]
        nb["cells"].append({"cell_type": "markdown", "metadata": {}, "id": uuid.uuid4().hex[:8],
                            "source": MARKER.format(name=self.name)})
        await self.api("PUT", f"contents/{path}", {"type": "notebook", "format": "json", "content": nb})
        return MARKER.format(name=self.name)

    async def read_notebook(self, path=LESSON2):
        """The notebook's cells' sources, read back through the contents API."""
        model = await self.api("GET", f"contents/{path}?content=1")
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in model["content"]["cells"]]

    async def start_kernel(self, path=LESSON2):
        """Open a notebook session (a kernel whose working folder is the lesson's) and its websocket."""
        sess = await self.api("POST", "sessions", {"path": path, "type": "notebook", "name": Path(path).name,
                                                   "kernel": {"name": "python3"}})
        self.kernel_id = sess["kernel"]["id"]
        await self.connect()

    async def connect(self):
        """(Re)open the kernel websocket through the proxy and start reading it."""
        await self.shutdown()
        url = (f"ws://127.0.0.1:{self.hub.port}/user/{self.name}/api/kernels/{self.kernel_id}/channels"
               f"?session_id={self.session}")
        req = HTTPRequest(url, headers={"Authorization": f"token {self.token}"}, request_timeout=60)
        self.ws = await websocket_connect(req, max_message_size=64 * 2**20)
        self.reader = asyncio.ensure_future(self._read(self.ws))
        self.models.clear()
        self.sliders.clear()
        self.outputs.clear()

    async def restart_kernel(self):
        """Restart the kernel through the REST API (what the UI's restart does), then reconnect."""
        await self.api("POST", f"kernels/{self.kernel_id}/restart", {})
        await self.connect()

    async def shutdown(self):
        """Stop reading the kernel websocket and close it."""
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            self.ws.close()

    # ---- kernel messages ----
    async def send(self, msg):
        await self.ws.write_message(json.dumps(msg))

    async def execute(self, code, timeout=300):
        """Run one cell; returns (reply content, msg_id)."""
        msg = _msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                       "user_expressions": {}, "allow_stdin": False,
                                       "stop_on_error": True}, self.session)
        loop = asyncio.get_running_loop()
        msg_id = msg["header"]["msg_id"]
        fut, idle = loop.create_future(), loop.create_future()
        self.replies[msg_id], self.idles[msg_id] = fut, idle
        await self.send(msg)
        reply, _ = await asyncio.wait_for(asyncio.gather(fut, idle), timeout)  # idle: all its output is in
        return reply, msg_id

    async def open_explorers(self, targets=None):
        """Run the explorer cells; find each explorer's slider and output widgets in the comm_opens."""
        for target in targets or self.targets:
            reply, msg_id = await self.execute(CELLS[target])
            if reply.get("status") != "ok":
                raise RuntimeError(f"{self.name}: the {target} cell failed: {reply.get('ename')}: "
                                   f"{reply.get('evalue')}")
            await asyncio.sleep(0)  # let the reader take the cell's iopub messages
            model, description, _ = SLIDERS[target]
            opened = [(cid, m) for cid, m in self.models.items() if m[2] == msg_id]
            sliders = [cid for cid, m in opened if m[0] == model and m[1].get("description") == description]
            if not sliders:
                raise RuntimeError(f"{self.name}: no {model} '{description}' among the widgets "
                                   f"of the {target} cell")
            self.sliders[target] = sliders[0]
            self.outputs[target] = {cid for cid, m in opened if m[0] == "HTMLModel"}
        return self.sliders

    async def _read(self, ws):
        while True:
            raw = await ws.read_message()
            if raw is None:
                return
            if isinstance(raw, bytes):
                continue  # binary frames carry buffers; no explorer here sends any
            now = time.monotonic()
            msg = json.loads(raw)
            try:
                self._handle(msg, now)
            except Exception as exc:  # noqa: BLE001 - a reader must keep reading
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _handle(self, msg, now):
        mtype = msg.get("msg_type") or msg["header"]["msg_type"]
        parent = (msg.get("parent_header") or {}).get("msg_id")
        content = msg.get("content", {})
        if msg.get("channel") == "shell" and parent in self.replies:
            fut = self.replies.pop(parent)
            if not fut.done():
                fut.set_result(content)
            return
        if mtype == "status" and content.get("execution_state") == "idle" and parent in self.idles:
            fut = self.idles.pop(parent)
            if not fut.done():
                fut.set_result(True)
            return
        drag = self.drag
        if mtype == "comm_open" and content.get("target_name") == "jupyter.widget":
            state = content.get("data", {}).get("state", {})
            self.models[content["comm_id"]] = (state.get("_model_name"), state, parent)
        elif mtype == "status" and content.get("execution_state") == "idle" and drag:
            if parent in drag.sent:
                drag.idle_upto = max(drag.idle_upto, drag.sent[parent])
                if parent == drag.in_flight:
                    drag.in_flight = None
                    if drag.held is not None:
                        held, drag.held = drag.held, None
                        asyncio.ensure_future(self._send_move(drag, held))
        elif mtype == "comm_msg" and drag:
            data = content.get("data", {})
            value = data.get("state", {}).get("value")
            if (data.get("method") == "update" and isinstance(value, str) and 'class="bl-value"' in value
                    and content.get("comm_id") in self.outputs.get(drag.target, ())):
                shown = numbers(value)
                drag.shown.append(shown)
                covered = max(drag.sent.get(parent, -1), drag.idle_upto)
                last_moved = drag.moved_at[-1]
                if last_moved is not None and drag.target == "chain" and shown.get("x") is not None \
                        and abs(shown["x"] - drag.values[-1]) > 1e-9:
                    drag.stale += 1  # an older x drawn after the learner let go
                drag.resolve(covered, now)

    async def _send_move(self, drag, i):
        msg = _msg("comm_msg", {"comm_id": self.sliders[drag.target],
                                "data": {"method": "update", "state": {"value": drag.values[i]},
                                         "buffer_paths": []}}, self.session)
        drag.sent[msg["header"]["msg_id"]] = i
        if drag.throttle:
            drag.in_flight = msg["header"]["msg_id"]
        await self.send(msg)

    async def move(self, drag, i):
        """The learner moves the slider to drag.values[i] (sent now, or held while one is in flight)."""
        drag.moved_at[i] = time.monotonic()
        if drag.throttle and drag.in_flight is not None:
            drag.held = i  # JupyterLab keeps only the newest value while one message is in flight
        else:
            await self._send_move(drag, i)

    def burst_values(self, target, n=10):
        """n distinct slider values a hand would sweep through in one drag."""
        _, _, allowed = SLIDERS[target]
        start = self.rng.randrange(0, len(allowed) - n)
        stride = 1 if target == "xor" else self.rng.choice((3, 5, 8))
        idx = [min(len(allowed) - 1, start + k * stride) for k in range(1, n + 1)]
        if self.rng.random() < 0.5:
            idx = idx[::-1]
        values = []
        for k in idx:
            if allowed[k] not in values:
                values.append(allowed[k])
        return values

    async def burst(self, target, gap=0.05, settle=30.0, n=10):
        """One drag: n moves ``gap`` seconds apart, then wait (at most ``settle`` s) for the last redraw."""
        drag = Drag(target, self.burst_values(target, n), self.throttle)
        self.drag = drag
        t0 = time.monotonic()
        for i in range(len(drag.values)):
            await asyncio.sleep(max(0.0, t0 + i * gap - time.monotonic()))
            await self.move(drag, i)
        deadline = time.monotonic() + settle
        while not drag.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.drag = None
        self.drags.append(drag)
        return drag

    async def work(self, until, think=(2.0, 5.0), xor_every=0):
        """Drag until ``until`` (monotonic time): bursts, a few seconds of thinking between them."""
        k = 0
        await asyncio.sleep(self.rng.uniform(0, think[1]))  # learners don't start in step
        while time.monotonic() < until:
            k += 1
            target = "xor" if xor_every and k % xor_every == 0 and "xor" in self.sliders else "chain"
            await self.burst(target)
            await asyncio.sleep(self.rng.uniform(*think))

    async def crash_and_recover(self, targets=None, delay=0.2):
        """SIGKILL this learner's kernel mid-drag, restart it as the UI does, reopen the explorers, drag.

        Returns (killed pid, the drag after the restart, the notebook's cells read back from disk).
        """
        drag = asyncio.ensure_future(self.burst("chain", settle=5.0))
        await asyncio.sleep(delay)
        pid = kernel_pid(self.kernel_id)
        if pid is None:
            raise RuntimeError(f"{self.name}: no process found for kernel {self.kernel_id}")
        os.kill(pid, signal.SIGKILL)
        await drag
        await self.restart_kernel()
        await self.open_explorers(targets)
        after = await self.burst("chain")
        return pid, after, await self.read_notebook()

    def kernel_rss(self):
        pid = kernel_pid(self.kernel_id) if self.kernel_id else None
        return rss_mb(pid) if pid else 0.0


async def add_learners(hub, learners, n, throttle=True):
    """Start learners until there are ``n`` (named learner00, learner01, ...); returns the whole list."""
    names = [f"learner{i:02d}" for i in range(len(learners), n)]
    return learners + list(await start_learners(hub, names, seed=len(learners), throttle=throttle))


async def start_learners(hub, names, seed=0, throttle=True, targets=("chain", "xor"), parallel=3):
    """Start learners' servers and kernels, at most ``parallel`` at a time; returns them in order.

    ``targets`` is the explorers every learner opens, or a list with one tuple per learner.
    """
    sem = asyncio.Semaphore(parallel)
    per = targets if targets and isinstance(targets[0], tuple) else [targets] * len(names)

    async def one(i, name):
        async with sem:
            learner = Learner(hub, name, seed=seed * 1000 + i, throttle=throttle, targets=per[i])
            await learner.start_server()
            learner.marker = await learner.save_edit()
            await learner.start_kernel()
            await learner.open_explorers()
            return learner

    return await asyncio.gather(*(one(i, n) for i, n in enumerate(names)))


def summarize(learners):
    """Latencies (ms) of the learners' drags, per target, plus counts."""
    out = {}
    for target in ("chain", "xor"):
        lat, missing, stale, moves = [], 0, 0, 0
        for learner in learners:
            for d in learner.drags:
                if d.target == target and d.moved_at[0] is not None:
                    lat += d.latencies()
                    missing += d.missing()
                    stale = max(stale, d.stale)
                    moves += len(d.values)
        if moves:
            out[target] = {"n": len(lat), "p50": percentile(lat, 50), "p90": percentile(lat, 90),
                           "max": max(lat) if lat else float("nan"), "missing": missing,
                           "stale": stale, "moves": moves}
    return out


def memory(learners):
    """Median kernel RSS and median server RSS per learner (MB)."""
    kernels = [learner.kernel_rss() for learner in learners]
    servers = []
    for learner in learners:
        pids = pids_under(str(hub_home(learner)))  # the server; its kernel's command line differs
        servers.append(sum(rss_mb(p) for p in pids if b"jupyterhub.singleuser" in _cmdline(p)))
    return statistics.median(kernels), statistics.median(servers)


def hub_home(learner):
    return learner.hub.state / "homes" / learner.name


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def sweep(hub, sizes, seconds, throttle, xor_every, settle=15.0, out=print):
    """Run each N in ``sizes`` for ``seconds`` of dragging; learners are started as N grows.

    After new learners start, ``settle`` seconds pass before the drags are timed: a class that
    has just logged in is still loading (servers answering their first requests), and timing
    that would measure the login rush, not the dragging.
    """
    learners, rows = [], []
    for n in sizes:
        t = time.monotonic()
        if n > len(learners):
            learners = await add_learners(hub, learners, n, throttle)
            await asyncio.sleep(settle)
        setup = time.monotonic() - t
        active = learners[:n]
        for learner in active:
            learner.drags.clear()
        pids = pids_under(hub.state)  # the hub, its proxy, every server and kernel
        cpu0, start = cpu_seconds(pids), time.monotonic()
        await asyncio.gather(*(learner.work(start + seconds, xor_every=xor_every) for learner in active))
        elapsed = time.monotonic() - start
        cpu = (cpu_seconds(pids) - cpu0) / elapsed
        redraws = sum(len(d.shown) for learner in active for d in learner.drags)
        cycles = sum(len(learner.drags) for learner in active) / n  # bursts per learner
        stats = summarize(active)
        kernel_mb, server_mb = memory(active)
        row = {"n": n, "stats": stats, "kernel_mb": kernel_mb, "server_mb": server_mb, "cpu": cpu,
               "cpu_per_redraw": cpu * elapsed / max(1, redraws), "burst_period": elapsed / max(1, cycles),
               "load": os.getloadavg()[0], "setup_s": setup,
               "errors": sum(len(lrn.errors) for lrn in active)}
        rows.append(row)
        out(format_row(row))
    return learners, rows


def format_row(row):
    c = row["stats"].get("chain", {})
    x = row["stats"].get("xor")
    nan = float("nan")
    text = (f"N={row['n']:>3}  chain x: p50 {c.get('p50', nan):7.1f} ms  p90 {c.get('p90', nan):7.1f} ms"
            f"  (n={c.get('n', 0)}, unanswered {c.get('missing', 0)}, "
            f"most stale redraws after letting go {c.get('stale', 0)})")
    if x:
        text += f"  | xor seed: p50 {x['p50']:7.1f}  p90 {x['p90']:7.1f} (n={x['n']})"
    text += (f"  | per learner: kernel {row['kernel_mb']:.0f} MB + server {row['server_mb']:.0f} MB,"
             f" CPU {1000 * row['cpu'] / row['n']:.0f} ms/s"
             f"  | load {row['load']:.1f}")
    return text


async def fault_run(learners, seconds, out=print):
    """Kill one learner's kernel (SIGKILL) mid-drag; the others go on; the victim restarts and recovers."""
    victim, others = learners[0], learners[1:]
    for learner in learners:
        learner.drags.clear()
    work = [asyncio.ensure_future(learner.work(time.monotonic() + seconds)) for learner in others]
    start = time.monotonic()
    pid, after, cells = await victim.crash_and_recover()
    story = {"killed_pid": pid, "recovered_s": time.monotonic() - start, "after_restart": after,
             "edit_kept": victim.marker in cells}
    await asyncio.gather(*work)
    stats = summarize(others).get("chain", {})
    out(f"fault at N={len(learners)}: SIGKILL of {victim.name}'s kernel (pid {story['killed_pid']}); "
        f"others' chain x p50 {stats.get('p50', float('nan')):.1f} ms, "
        f"p90 {stats.get('p90', float('nan')):.1f} ms (n={stats.get('n', 0)}); "
        f"{victim.name} restarted and redrew again after {story['recovered_s']:.1f} s; "
        f"edited notebook intact: {story['edit_kept']}")
    return story, stats


async def amain(args):
    AsyncHTTPClient.configure(None, max_clients=200)
    hub = Hub(mem_limit=args.mem_limit)
    print(f"starting the hub on {hub.url} (state {hub.state}) ...", flush=True)
    hub.start()
    try:
        learners, rows = await sweep(hub, args.sizes, args.seconds, not args.flood, args.xor_every,
                                     settle=args.settle)
        if args.fault:
            learners = await add_learners(hub, learners, args.fault, not args.flood)
            await fault_run(learners[:args.fault], args.seconds)
        for learner in learners:
            await learner.shutdown()
    finally:
        left = hub.stop()
        hub.remove()
    print_table(rows, args)
    if left:
        print(f"(cleaned up {len(left)} process(es) the hub left behind)")


def print_table(rows, args):
    print()
    print(f"Capacity on this machine ({os.cpu_count()} cores), {time.strftime('%Y-%m-%d')}: "
          f"bursts of 10 slider changes 50 ms apart, 2-5 s of thinking between bursts, "
          f"{args.seconds:.0f} s per N, "
          + ("naive client (every change sent)." if args.flood
             else "JupyterLab-style client (one change in flight per slider)."))
    print(f"{'N':>4} {'p50 ms':>8} {'p90 ms':>8} {'changes':>8} {'stale':>6} {'kernel MB':>10} "
          f"{'server MB':>10} {'CPU ms/s':>9} {'load':>5}")
    best, failed = 0, False  # the largest N such that it and every smaller N measured met the goal
    for row in rows:
        c = row["stats"].get("chain", {})
        p90 = c.get("p90", float("inf"))
        print(f"{row['n']:>4} {c.get('p50', float('nan')):>8.1f} {p90:>8.1f} {c.get('n', 0):>8} "
              f"{c.get('stale', 0):>6} {row['kernel_mb']:>10.0f} {row['server_mb']:>10.0f} "
              f"{1000 * row['cpu'] / row['n']:>9.0f} {row['load']:>5.1f}")
        failed = failed or p90 > GOAL_MS or bool(c.get("missing"))
        if not failed:
            best = row["n"]
    print(f"largest N with p90 <= {GOAL_MS:.0f} ms there and at every smaller N measured: "
          f"{best or 'none'} (goal: 30 or more)")
    cores = os.cpu_count()
    per_redraw = statistics.median(row["cpu_per_redraw"] for row in rows)
    period = statistics.median(row["burst_period"] for row in rows)
    worst = 10 * per_redraw / period  # every change of every burst redrawn (a quiet machine)
    print(f"CPU per redraw (hub, proxy, server, kernel and its dot process; median over N): "
          f"{1000 * per_redraw:.0f} ms; one burst every {period:.1f} s per learner. If every change "
          f"is redrawn, a learner needs {1000 * worst:.0f} ms of CPU per second, and {cores} cores at "
          f"70% busy hold about {int(0.7 * cores / worst) if worst else 0} learners "
          "(an estimate, not a measurement)")
    print("CPU ms/s = CPU time of the hub, proxy, servers and kernels per second of class, per learner; "
          "load = the machine's 1-minute load average (other work on the machine slows every number)")
    print("stale = the most redraws of an older value one learner saw after letting go of the slider "
          "(up to 2 is the pipeline: one redraw running, one change in flight; "
          "a replayed backlog would be up to 9)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 5, 10, 20, 30, 40, 50, 60],
                   help="learner counts, e.g. 1,5,10,20,40")
    p.add_argument("--seconds", type=float, default=30.0, help="seconds of dragging per N")
    p.add_argument("--settle", type=float, default=15.0,
                   help="seconds to wait after new learners start, before timing their drags")
    p.add_argument("--quick", action="store_true", help="N = 1, 3 for 10 s each")
    p.add_argument("--flood", action="store_true", help="send every change (no in-flight throttle)")
    p.add_argument("--xor-every", type=int, default=0,
                   help="every k-th burst drags lesson 5's XOR seed slider instead of lesson 2's x")
    p.add_argument("--fault", type=int, default=0, help="after the sweep, the SIGKILL fault run at this N")
    p.add_argument("--mem-limit", default="3G", help="address-space cap per learner process")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds, args.settle = [1, 3], 10.0, 3.0
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
