"""A small classroom through a real JupyterHub (deploy/): three simulated learners drag sliders.

One hub for the module, on a free loopback port with its own state folder, admin token and
passwords. The tests run in order: log in, drag (every learner's numbers change), kill a kernel
mid-drag (the others go on; the victim restarts and their edit is intact), restart the hub (no
file is lost). No timing is asserted here: benchmarks/bench_classroom.py measures.
"""

import asyncio
import json
import math
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

MISSING = "{} is missing: pip install -e '.[hub]'"
pytest.importorskip("jupyterhub", reason=MISSING.format("jupyterhub"))
pytest.importorskip("jupyterhub_idle_culler", reason=MISSING.format("jupyterhub-idle-culler"))

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import bench_classroom as bc  # noqa: E402
from hub_room import Room  # noqa: E402

pytestmark = pytest.mark.slow
N = 3
STEP_TIMEOUT = 240  # seconds, for each test's whole story (a busy machine starts servers slowly)

if not bc.classroom.PROXY.exists():
    pytest.skip("configurable-http-proxy is missing: run `npm ci --prefix deploy` (make hub does)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def room():
    # Not pytest's tmp_path: its folder is closed to other users, and when the hub runs as root each
    # learner's server runs as a system user of their own that must reach its home in the state folder.
    base = Path(tempfile.mkdtemp(prefix="bl-hub-test-"))
    os.chmod(base, 0o711)
    room = Room(base, STEP_TIMEOUT)
    with bc.classroom.borrowed_machine():  # as root: learners reach this Python; modes put back after
        try:
            room.hub.start()
            yield room
        finally:
            try:
                for learner in room.learners:
                    room.run(learner.shutdown())
            finally:
                room.hub.stop()
                room.close()
                for learner in room.learners:
                    bc.classroom.remove_system_user(learner.name)  # made on first spawn when root
                shutil.rmtree(base, ignore_errors=True)


def chain_numbers_ok(shown, x):
    """The chain explorer's numbers for x: u = 3x+2, v = u², L = sin v, dL/dx = cos(v)·2u·3."""
    u = 3 * x + 2
    v = u * u
    want = {"x": x, "u": u, "v": v, "L": math.sin(v), "dL/dx": math.cos(v) * 2 * u * 3}
    return all(abs(shown[k] - w) <= 5e-4 * max(1.0, abs(w)) for k, w in want.items()), want


def test_login_page_takes_the_printed_password(room):
    """The banner names the address and password; the login form accepts it and refuses a wrong one."""
    creds = room.hub.credentials()
    assert room.hub.url + "/" in room.hub.banner and creds["user_password"] in room.hub.banner

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def post_login(password):
        jar = urllib.request.HTTPCookieProcessor()
        opener = urllib.request.build_opener(jar, NoRedirect)
        opener.open(f"{room.hub.url}/hub/login", timeout=30).read()
        xsrf = next(c.value for c in jar.cookiejar if c.name == "_xsrf")
        data = urllib.parse.urlencode({"username": "visitor", "password": password, "_xsrf": xsrf}).encode()
        try:
            r = opener.open(f"{room.hub.url}/hub/login", data=data, timeout=30)
            return r.status, {c.name for c in jar.cookiejar}
        except urllib.error.HTTPError as err:
            return err.code, {c.name for c in jar.cookiejar}

    status, cookies = post_login(creds["user_password"])
    assert status == 302 and any(name.startswith("jupyterhub-hub-login") for name in cookies)
    bad_status, bad_cookies = post_login("not-the-password")
    assert bad_status == 403 and not any(n.startswith("jupyterhub-hub-login") for n in bad_cookies)


def test_every_learner_drags_and_the_numbers_follow(room):
    """Three learners: own server, lessons and kernel; their sliders change the explorer's numbers."""

    async def story():
        names = [f"learner{i}" for i in range(N)]
        # everyone opens lesson 2's explorers; the first learner opens lesson 5's XOR explorer too
        targets = [("chain", "xor")] + [("chain",)] * (N - 1)
        room.learners = await bc.start_learners(room.hub, names, targets=targets, parallel=N)
        drags = await asyncio.gather(*(lrn.burst("chain") for lrn in room.learners))
        xdrag = await room.learners[0].burst("xor", n=3)
        return drags, xdrag

    drags, xdrag = room.run(story())
    assert xdrag.done() and len(xdrag.shown) >= 1 and xdrag.missing() == 0, "the XOR explorer never redrew"
    for learner, drag in zip(room.learners, drags):
        assert not learner.errors, learner.errors
        assert drag.done() and drag.missing() == 0, f"{learner.name}: a slider change was never drawn"
        ok, want = chain_numbers_ok(drag.shown[-1], drag.values[-1])
        assert ok, f"{learner.name}: shown {drag.shown[-1]}, want {want}"
        assert len({round(s["dL/dx"], 4) for s in drag.shown}) >= 2, "dL/dx never changed"
        home = bc.hub_home(learner) / bc.classroom.COURSE
        assert (home / "README.md").is_file()
        assert learner.marker in (home / "notebooks" / Path(bc.LESSON2).name).read_text()
    # each learner has a server and a kernel of their own
    assert len({lrn.kernel_id for lrn in room.learners}) == N
    assert len({bc.kernel_pid(lrn.kernel_id) for lrn in room.learners} - {None}) == N


def test_a_killed_kernel_hurts_only_its_learner(room):
    """SIGKILL one kernel mid-drag: the others' drags all draw; the victim restarts and drags again."""
    assert room.learners, "needs the learners of the previous test"
    victim, others = room.learners[0], room.learners[1:]

    async def story():
        crash = asyncio.ensure_future(victim.crash_and_recover(["chain"], delay=0.15))
        others_drags = await asyncio.gather(*(lrn.burst("chain") for lrn in others))
        return (*await crash, others_drags)

    pid, after, cells, others_drags = room.run(story())
    for learner, drag in zip(others, others_drags):
        assert drag.done() and drag.missing() == 0, f"{learner.name} lost changes when another kernel died"
    assert bc.kernel_pid(victim.kernel_id) not in (None, pid), "the restarted kernel is a new process"
    assert after.done() and chain_numbers_ok(after.shown[-1], after.values[-1])[0]
    assert victim.marker in cells
    on_disk = json.loads((bc.hub_home(victim) / bc.LESSON2).read_text())
    assert any(victim.marker in "".join(c["source"]) for c in on_disk["cells"])


def test_hub_restart_keeps_every_learners_files(room):
    """Stop the hub (every server stops, no process is left), start it again: every edit is still there."""
    assert room.learners, "needs the learners of the previous tests"
    for learner in room.learners:
        room.run(learner.shutdown())
    left = room.hub.stop()
    assert left == [], f"processes outlived the hub: {left}"
    room.hub.start()

    async def story():
        first = room.learners[0]
        await first.start_server()  # the learner logs in again; their server starts on the same home
        return await first.read_notebook()

    cells = room.run(story())
    assert room.learners[0].marker in cells
    for learner in room.learners:
        text = (bc.hub_home(learner) / bc.LESSON2).read_text()
        assert learner.marker in text, f"{learner.name}'s edit was lost"
