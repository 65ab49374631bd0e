"""Classroom capacity: N simulated learners drag explorer sliders through a real JupyterHub.

Each learner is simulated at the protocol level, with no browser: the hub's REST API starts their
server; the Jupyter server's REST API saves an edited lesson and starts a kernel; the kernel
websocket (through the hub's proxy, as a browser's traffic goes) runs the explorer cells of
lesson 2 and of the learner's own lesson; then the learner drags a slider at a human pace: bursts of 10 value changes
50 ms apart, a few seconds of thinking between bursts. A change is a widget comm message
{"method": "update", "state": {"value": v}}, sent the way JupyterLab's widget manager sends it:
at most one message in flight per slider, newer values held back and merged until the kernel
reports idle (``--flood`` sends every value regardless, like a naive client).

Latency of one change: from the moment the learner moves the slider to the moment a redraw of
the explorer's numbers (an HTML widget update holding its number table) that reflects this value
or a newer one comes back. Reported: p50/p90 per N, kernel and server memory (RSS) per learner,
and the largest N whose p90 stays within the goal.

Two profiles are timed at each N, one after the other, with the same learners:
- lesson 2 alone: the whole class drags lesson 2's x slider (as above);
- the mixed class (``--mixed`` for this one only): learner i works on lesson 2, 4, 5 or 7 in turn
  and drags that lesson's explorer: lesson 2's chain-rule x, lesson 4's neuron x1, lesson 5's XOR
  seed, lesson 7's training view's step. A slider with continuous_update off (the explorers that
  draw a figure) sends one change, the value it is let go at, as JupyterLab does; that change is
  timed until the last of the explorer's updates (table and figures) has come back. Lesson 5's
  learners also press train (ipywidgets' click: {"method": "custom", "content": {"event": "click"}})
  on one action in three; lesson 7's run the lesson's training cell (the engine's 50 steps, the
  view redrawn every 5) once in two minutes (the lesson has three training cells). A press is
  timed until the kernel has finished it (its table says "after training"); its goal is its own
  (TRAIN_GOALS_MS). Reported per explorer and per N.

    .venv/bin/python benchmarks/bench_classroom.py            # N = 1, 5, 10, 20, 30, 40, 50, 60, both profiles
                                                              # (about 25 min on a quiet 2-core machine,
                                                              # mostly starting 60 servers; 15 GB of RAM)
    .venv/bin/python benchmarks/bench_classroom.py --quick    # N = 1, 4: a few minutes
    .venv/bin/python benchmarks/bench_classroom.py --mixed --sizes 10,20,30,40
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
TRAIN_GOALS_MS = {"xor": 1000.0, "capstone": 10000.0}  # a train press: until "after training" shows
LESSON2 = "backprop_lab/notebooks/02_backprop_by_hand.ipynb"
LESSON5 = "backprop_lab/notebooks/05_xor.ipynb"
LESSONS = {2: LESSON2, 4: "backprop_lab/notebooks/04_sigmoid_neuron.ipynb", 5: LESSON5,
           7: "backprop_lab/notebooks/07_training_a_network.ipynb"}
MIX = {2: "chain", 4: "neuron", 5: "xor", 7: "capstone"}  # the mixed class: lesson -> the explorer used
# The explorer cells of lessons 2, 4 and 5 (the lessons call these; the names are the package's).
# Lesson 7's view comes from the lesson's own cells (capstone_code), its "train" is its training cell.
CELLS = {
    "chain": "from backprop_lab import chain_rule_explorer, graph_stepper\n"
             "chain = chain_rule_explorer()\ndisplay(chain)\nstepper = graph_stepper()\ndisplay(stepper)",
    "neuron": "from backprop_lab import neuron_explorer\nneuron = neuron_explorer()\ndisplay(neuron)",
    "xor": "from backprop_lab import xor_explorer\nxor = xor_explorer()\ndisplay(xor)",
}
CAPSTONE_TRAIN = "run = train(num=Scalar, view=view)"  # lesson 7's training cell (the engine's 50 steps)
# The slider each target drags: (model name, description, values it can take).
SLIDERS = {
    "chain": ("FloatSliderModel", "x", [round(-2 + 0.01 * i, 2) for i in range(401)]),
    "neuron": ("FloatSliderModel", "x1", [round(-2 + 0.01 * i, 2) for i in range(401)]),
    "xor": ("IntSliderModel", "seed", list(range(20))),
    "capstone": ("IntSliderModel", "step", list(range(0, 51, 5))),
}
BUTTONS = {"xor": "train"}  # a button a learner presses: its description


def capstone_code(path=REPO / "notebooks" / Path(LESSONS[7]).name):
    """Lesson 7's code cells up to the one that shows the training view, answers filled in, checks left out.

    A learner who reached the capstone has answered lesson 7's exercises: the solved edition's cells.
    """
    cells = []
    for cell in json.loads(Path(path).read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "exercise(" not in source:
            cells.append(source)
            if "training_view(" in source:
                return "\n\n".join(cells)
    raise RuntimeError(f"{path}: no cell calls training_view(")
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

    def __init__(self, state=None, idle_timeout=3600, mem_limit="3G", args=()):
        self.args = list(args)  # more deploy/classroom.py options, e.g. ["--no-solutions"]
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
               "--mem-limit", self.mem_limit, *self.args]
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
        self.whole = len(values) == 1  # one change (on release): timed until its figures are in too
        self.last_output_at = None  # when the explorer's last HTML update (table or figure) came

    def resolve(self, upto, now):
        for i in range(min(upto, len(self.values) - 1) + 1):
            if self.moved_at[i] is not None and self.shown_at[i] is None:
                self.shown_at[i] = now

    def latencies(self):
        if self.whole:
            return [(self.last_output_at - self.moved_at[0]) * 1000] if self.done() else []
        pairs = zip(self.moved_at, self.shown_at)
        return [(s - m) * 1000 for m, s in pairs if m is not None and s is not None]

    def missing(self):
        return sum(1 for m, s in zip(self.moved_at, self.shown_at) if m is not None and s is None)

    def done(self):
        return self.shown_at[-1] is not None


class Press:
    """One press of a train button (lesson 7: one run of its training cell) and when its result showed."""

    def __init__(self, target):
        self.target = target
        self.pressed_at = time.monotonic()
        self.shown_at = None  # the explorer's table first said "after training"
        self.idle_at = None  # the kernel finished handling the press

    def latency(self):
        """ms from the press until the kernel had sent everything (its table said "after training")."""
        done = self.shown_at is not None and self.idle_at is not None
        return (self.idle_at - self.pressed_at) * 1000 if done else None


class Learner:
    """One simulated learner: their server, their kernel, their websocket and their sliders."""

    def __init__(self, hub, name, seed=0, throttle=True, targets=("chain", "xor"), lesson=2):
        self.hub, self.name, self.lesson = hub, name, lesson
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
        self.buttons = {}  # target -> comm_id of its train button
        self.release_only = set()  # targets whose slider sends a value only when let go
        self.drag = None
        self.drags = []
        self.presses, self.pressing = [], {}  # finished presses; msg_id -> a press under way
        self.next_train = None  # when this lesson-7 learner runs the training cell next
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
        for found in (self.models, self.sliders, self.outputs, self.buttons, self.release_only):
            found.clear()

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
        """Run the explorer cells; find each explorer's slider, button and output widgets in the comm_opens."""
        for target in targets or self.targets:
            reply, msg_id = await self.execute(capstone_code() if target == "capstone" else CELLS[target])
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
            if self.models[sliders[0]][1].get("continuous_update") is False:
                self.release_only.add(target)
            if target in BUTTONS:
                self.buttons[target] = next(cid for cid, m in opened if m[0] == "ButtonModel"
                                            and m[1].get("description") == BUTTONS[target])
            self.outputs[target] = {cid for cid, m in opened if m[0] == "HTMLModel"}
            if target == "capstone":  # trained once, as the lesson does: its step slider then replays
                reply, _ = await self.execute(CAPSTONE_TRAIN)
                if reply.get("status") != "ok":
                    raise RuntimeError(f"{self.name}: lesson 7's training cell failed: {reply.get('evalue')}")
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
        if mtype == "comm_msg" and content.get("comm_id") in self.models \
                and content.get("data", {}).get("method") == "update":  # e.g. continuous_update set later
            self.models[content["comm_id"]][1].update(content["data"].get("state", {}))
        press = self.pressing.get(parent)
        if press is not None:
            state = content.get("data", {}).get("state", {})
            if mtype == "status" and content.get("execution_state") == "idle":
                press.idle_at = now
            elif mtype == "comm_msg" and press.shown_at is None and "after training" in str(state.get("value")):
                press.shown_at = now
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
            if data.get("method") == "update" and content.get("comm_id") in self.outputs.get(drag.target, ()):
                drag.last_output_at = now
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
        self.models[self.sliders[drag.target]][1]["value"] = drag.values[i]  # the page shows it now
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
        stride = 1 if target in ("xor", "capstone") else self.rng.choice((3, 5, 8))
        idx = [min(len(allowed) - 1, start + k * stride) for k in range(1, n + 1)]
        if self.rng.random() < 0.5:
            idx = idx[::-1]
        values = []
        for k in idx:
            if allowed[k] not in values:
                values.append(allowed[k])
        return values

    async def burst(self, target, gap=0.05, settle=30.0, n=10):
        """One drag: n moves ``gap`` seconds apart, then wait (at most ``settle`` s) for the last redraw.

        A slider with continuous_update off (an explorer that draws a figure) sends only the value it
        is let go at, at the end of the drag, as JupyterLab does.
        """
        values = self.burst_values(target, n)
        if target in self.release_only:  # let go where it already was, nothing would be sent
            await asyncio.sleep(gap * (len(values) - 1))
            now = self.models[self.sliders[target]][1].get("value")
            values = [v for v in values if v != now][-1:]
        drag = Drag(target, values, self.throttle)
        self.drag = drag
        t0 = time.monotonic()
        for i in range(len(drag.values)):
            await asyncio.sleep(max(0.0, t0 + i * gap - time.monotonic()))
            await self.move(drag, i)
        deadline = time.monotonic() + settle
        while not drag.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        while drag.whole and drag.done() and time.monotonic() < deadline:  # figures come after the table
            if time.monotonic() - drag.last_output_at >= 0.3:
                break
            await asyncio.sleep(0.01)
        self.drag = None
        self.drags.append(drag)
        return drag

    async def press(self, target, settle=120.0):
        """Press the explorer's train button (lesson 7: run the training cell); wait until the kernel is done."""
        if target == "capstone":
            msg = _msg("execute_request", {"code": CAPSTONE_TRAIN, "silent": False, "store_history": True,
                                           "user_expressions": {}, "allow_stdin": False,
                                           "stop_on_error": True}, self.session)
        else:  # what ipywidgets' Button sends when clicked
            msg = _msg("comm_msg", {"comm_id": self.buttons[target],
                                    "data": {"method": "custom", "content": {"event": "click"}}}, self.session)
        press = self.pressing[msg["header"]["msg_id"]] = Press(target)
        await self.send(msg)
        deadline = time.monotonic() + settle
        while press.idle_at is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        del self.pressing[msg["header"]["msg_id"]]
        self.presses.append(press)
        return press

    async def work(self, until, think=(2.0, 5.0), xor_every=0, mixed=False, train_every=3, capstone_every=120.0):
        """Act until ``until`` (monotonic time): drags (or train presses), a few seconds of thinking between.

        Lesson 2's profile drags chain x (every ``xor_every``-th burst the XOR seed). The mixed class
        drags its own lesson's explorer (``MIX``); lesson 5 presses train every ``train_every``-th
        time, lesson 7 runs its training cell every ``capstone_every`` seconds.
        """
        k = 0
        await asyncio.sleep(self.rng.uniform(0, think[1]))  # learners don't start in step
        if mixed and self.lesson == 7 and self.next_train is None:
            self.next_train = time.monotonic() + self.rng.uniform(0, capstone_every)
        while time.monotonic() < until:
            k += 1
            if not mixed:
                target = "xor" if xor_every and k % xor_every == 0 and "xor" in self.sliders else "chain"
                await self.burst(target)
            elif self.lesson == 5 and k % train_every == 0:
                await self.press("xor")
            elif self.lesson == 7 and time.monotonic() >= self.next_train:
                await self.press("capstone")
                self.next_train = time.monotonic() + capstone_every
            else:
                await self.burst(MIX[self.lesson])
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


def mixed_lesson(i):
    """The lesson learner number i works on in the mixed class: 2, 4, 5, 7, 2, 4, ..."""
    return sorted(MIX)[i % len(MIX)]


async def add_learners(hub, learners, n, throttle=True, mixed=False):
    """Start learners until there are ``n`` (named learner00, learner01, ...); returns the whole list.

    In the mixed class learner i works on lesson mixed_lesson(i): their kernel runs that lesson's
    explorer cell as well as lesson 2's (for the lesson-2-alone rows of the same session).
    """
    index = range(len(learners), n)
    names = [f"learner{i:02d}" for i in index]
    lessons = [mixed_lesson(i) if mixed else 2 for i in index]
    targets = [("chain",) + ((MIX[lesson],) if lesson != 2 else ()) if mixed else ("chain", "xor")
               for lesson in lessons]
    return learners + list(await start_learners(hub, names, seed=len(learners), throttle=throttle,
                                                targets=targets, lessons=lessons))


async def start_learners(hub, names, seed=0, throttle=True, targets=("chain", "xor"), parallel=3, lessons=None):
    """Start learners' servers and kernels, at most ``parallel`` at a time; returns them in order.

    ``targets`` is the explorers every learner opens, or a list with one tuple per learner;
    ``lessons`` the lesson each works on (its notebook is the kernel's), lesson 2 by default.
    """
    sem = asyncio.Semaphore(parallel)
    per = targets if targets and isinstance(targets[0], tuple) else [targets] * len(names)
    lessons = lessons or [2] * len(names)

    async def one(i, name):
        async with sem:
            learner = Learner(hub, name, seed=seed * 1000 + i, throttle=throttle, targets=per[i],
                              lesson=lessons[i])
            await learner.start_server()
            learner.marker = await learner.save_edit()
            await learner.start_kernel(LESSONS[learner.lesson])
            await learner.open_explorers()
            return learner

    return await asyncio.gather(*(one(i, n) for i, n in enumerate(names)))


def summarize(learners):
    """Latencies (ms) of the learners' drags, per target, plus counts; and of their train presses."""
    out = {}
    for target in SLIDERS:
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
    for target in TRAIN_GOALS_MS:
        times = [p.latency() for learner in learners for p in learner.presses if p.target == target]
        lat = [t for t in times if t is not None]
        if times:
            out[f"{target} train"] = {"n": len(lat), "p50": percentile(lat, 50), "p90": percentile(lat, 90),
                                      "max": max(lat) if lat else float("nan"), "missing": len(times) - len(lat)}
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


PROFILES = {  # what the learners do while a class size is timed: Learner.work's options
    "lesson2": {},     # the whole class drags lesson 2's slider
    "mixed": {"mixed": True},  # each learner works on their own lesson (MIX)
}


async def sweep(hub, sizes, seconds, throttle, xor_every, settle=15.0, out=print, profiles=("lesson2",),
                train_every=3, capstone_every=120.0):
    """Run each N in ``sizes`` for ``seconds`` per profile; learners are started as N grows.

    After new learners start, ``settle`` seconds pass before the drags are timed: a class that
    has just logged in is still loading (servers answering their first requests), and timing
    that would measure the login rush, not the dragging. Returns the learners and {profile: rows}.
    """
    learners, rows = [], {profile: [] for profile in profiles}
    for n in sizes:
        t = time.monotonic()
        if n > len(learners):
            learners = await add_learners(hub, learners, n, throttle, mixed="mixed" in profiles)
            await asyncio.sleep(settle)
        setup = time.monotonic() - t
        for profile in profiles:
            work = dict(PROFILES[profile], xor_every=xor_every, train_every=train_every,
                        capstone_every=capstone_every)
            row = dict(await measure(hub, learners[:n], seconds, work), profile=profile, setup_s=setup)
            rows[profile].append(row)
            out(format_mixed_row(row) if profile == "mixed" else format_row(row))
    return learners, rows


async def measure(hub, active, seconds, work):
    """Time one class size: every learner in ``active`` works (``Learner.work(**work)``) for ``seconds``."""
    for learner in active:
        learner.drags.clear()
        learner.presses.clear()
    pids = pids_under(hub.state)  # the hub, its proxy, every server and kernel
    cpu0, start = cpu_seconds(pids), time.monotonic()
    await asyncio.gather(*(learner.work(start + seconds, **work) for learner in active))
    elapsed = time.monotonic() - start
    cpu = (cpu_seconds(pids) - cpu0) / elapsed
    redraws = sum(len(d.shown) for learner in active for d in learner.drags)
    cycles = sum(len(learner.drags) for learner in active) / len(active)  # bursts per learner
    kernel_mb, server_mb = memory(active)
    return {"n": len(active), "stats": summarize(active), "kernel_mb": kernel_mb, "server_mb": server_mb,
            "cpu": cpu, "cpu_per_redraw": cpu * elapsed / max(1, redraws),
            "burst_period": elapsed / max(1, cycles), "load": os.getloadavg()[0],
            "errors": sum(len(lrn.errors) for lrn in active)}


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


# The mixed class's columns: what each learner of a lesson does, as the table names it.
MIXED_COLUMNS = {"chain": "L2 chain x", "neuron": "L4 neuron x1", "xor": "L5 XOR seed",
                 "capstone": "L7 view step", "xor train": "L5 XOR train", "capstone train": "L7 train run"}


def _cell(stats, scale=1.0):
    """ "p50/p90 (n)" of one column; "-" if nobody did that."""
    if not stats:
        return "-"
    miss = f", {stats['missing']} unanswered" if stats.get("missing") else ""
    return f"{stats['p50'] / scale:.0f}/{stats['p90'] / scale:.0f} ({stats['n']}{miss})"


def format_mixed_row(row):
    cells = [f"{label} {_cell(row['stats'].get(key))}" for key, label in MIXED_COLUMNS.items()]
    return (f"N={row['n']:>3} mixed  " + "  | ".join(cells) + f"  (p50/p90 ms (n))  | CPU "
            f"{1000 * row['cpu'] / row['n']:.0f} ms/s per learner | load {row['load']:.1f}")


def mixed_passes(row):
    """True if every explorer's slider changes had p90 within GOAL_MS and none went unanswered."""
    drags = [st for key, st in row["stats"].items() if not key.endswith(" train")]
    return bool(drags) and all(st["p90"] <= GOAL_MS and not st["missing"] for st in drags)


def print_mixed_table(rows, args):
    print()
    print(f"Mixed class on this machine ({os.cpu_count()} cores), {time.strftime('%Y-%m-%d')}: learners "
          f"spread over lessons {', '.join(map(str, sorted(MIX)))} in turn, {args.seconds:.0f} s per N. "
          "Each drags their lesson's slider (bursts as above; a figure explorer's slider sends the value "
          f"it is let go at); lesson 5 presses train on one action in {args.train_every}, lesson 7 runs its "
          f"training cell (50 steps on the engine, the view redrawn every 5) every {args.capstone_every:.0f} s.")
    print("p50/p90 in ms (number of changes or presses). A release is timed until the explorer's last "
          "table or figure update for it; a train press until the kernel is done and its table says "
          "'after training'.")
    heads = ["N"] + list(MIXED_COLUMNS.values()) + ["CPU ms/s", "load"]
    widths = [4] + [max(15, len(h)) for h in MIXED_COLUMNS.values()] + [9, 5]
    print(" ".join(h.rjust(w) for h, w in zip(heads, widths)))
    best, failed = 0, False
    trains = {key: 0 for key in TRAIN_GOALS_MS}
    train_failed = dict.fromkeys(TRAIN_GOALS_MS, False)
    for row in rows:
        cells = [str(row["n"])] + [_cell(row["stats"].get(k)) for k in MIXED_COLUMNS]
        cells += [f"{1000 * row['cpu'] / row['n']:.0f}", f"{row['load']:.1f}"]
        print(" ".join(c.rjust(w) for c, w in zip(cells, widths)))
        failed = failed or not mixed_passes(row)
        if not failed:
            best = row["n"]
        for key, goal in TRAIN_GOALS_MS.items():
            st = row["stats"].get(f"{key} train")
            train_failed[key] = train_failed[key] or bool(st and (st["p90"] > goal or st["missing"]))
            if not train_failed[key]:
                trains[key] = row["n"]
    print(f"largest N with every explorer's p90 <= {GOAL_MS:.0f} ms there and at every smaller N measured: "
          f"{best or 'none'} (goal: 30 or more)")
    print("train presses, largest N within their own goal there and at every smaller N measured: " + "; ".join(
        f"{MIXED_COLUMNS[key + ' train']} p90 <= {goal / 1000:g} s: {trains[key] or 'none'}"
        for key, goal in TRAIN_GOALS_MS.items()))


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
    with classroom.borrowed_machine():  # as root: learners' system users reach this Python
        return await _measure(hub, args)


async def _measure(hub, args):
    hub.start()
    try:
        profiles = ("lesson2", "mixed") if args.profile == "both" else (args.profile,)
        learners, rows = await sweep(hub, args.sizes, args.seconds, not args.flood, args.xor_every,
                                     settle=args.settle, profiles=profiles, train_every=args.train_every,
                                     capstone_every=args.capstone_every)
        if args.fault:
            learners = await add_learners(hub, learners, args.fault, not args.flood, mixed="mixed" in profiles)
            await fault_run(learners[:args.fault], args.seconds)
        for learner in learners:
            await learner.shutdown()
    finally:
        left = hub.stop()
        for home in (hub.state / "homes").glob("*"):
            classroom.remove_system_user(home.name)  # made on first spawn when root
        hub.remove()
    if rows.get("lesson2"):
        print_table(rows["lesson2"], args)
    if rows.get("mixed"):
        print_mixed_table(rows["mixed"], args)
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
    p.add_argument("--quick", action="store_true", help="N = 1, 4 for 10 s each")
    p.add_argument("--profile", choices=("lesson2", "mixed", "both"), default="both",
                   help="what the class does at each N: lesson 2's slider, the mixed class, or both in turn")
    p.add_argument("--mixed", dest="profile", action="store_const", const="mixed",
                   help="the mixed class only (--profile mixed)")
    p.add_argument("--train-every", type=int, default=3,
                   help="mixed class: lesson 5's learners press train on one action in this many")
    p.add_argument("--capstone-every", type=float, default=120.0,
                   help="mixed class: lesson 7's learners run the training cell once in this many seconds "
                        "(the lesson has three training cells)")
    p.add_argument("--flood", action="store_true", help="send every change (no in-flight throttle)")
    p.add_argument("--xor-every", type=int, default=0,
                   help="every k-th burst drags lesson 5's XOR seed slider instead of lesson 2's x")
    p.add_argument("--fault", type=int, default=0, help="after the sweep, the SIGKILL fault run at this N")
    p.add_argument("--mem-limit", default="3G", help="address-space cap per learner process")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds, args.settle = [1, 4], 10.0, 3.0
        args.train_every, args.capstone_every = 2, 10.0
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
