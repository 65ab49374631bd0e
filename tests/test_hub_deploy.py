"""deploy/: the Helm values pass the chart's schema; the local hub's guards and lesson copies hold."""

import copy
import json
import os
import re
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
CHART = DEPLOY / "z2jh-4.4.0"
sys.path.insert(0, str(DEPLOY))
import classroom  # noqa: E402

yaml = pytest.importorskip("yaml", reason="pyyaml is missing: install the test extra")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when there is one: 10x faster


def load(path):
    return yaml.load(path.read_text(), Loader=LOADER)


def merged(base, over):
    """Helm's merge of a deployment's values over the chart's defaults (maps merge, the rest replaces)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def values():
    return load(DEPLOY / "values.yaml")


def test_values_pass_the_charts_schema(values):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is missing (JupyterLab brings it)")
    schema = load(CHART / "values.schema.yaml")
    defaults = load(CHART / "chart-values.yaml")
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}"
              for e in validator.iter_errors(merged(defaults, values))]
    assert errors == []
    # the schema does catch a wrong value: a typo in a key is refused
    bad = merged(defaults, {"singleuser": {"memory": {"limt": "1G"}}})
    assert any("limt" in e.message for e in validator.iter_errors(bad))


def test_values_give_each_learner_the_lessons(values):
    single = values["singleuser"]
    assert single["image"]["name"].endswith("/backprop-lab") and single["image"]["tag"] != "latest"
    # the start hook copies the learner's edition into ~/backprop_lab/ (tests/test_hub_image.py runs it);
    # the lab opens there, as on one machine
    assert single["lifecycleHooks"]["postStart"]["exec"]["command"] == ["backprop-lab-home"]
    assert single["defaultUrl"] == classroom.LESSONS_URL
    assert "git-pull" not in json.dumps(values), "nbgitpuller would pull the solved edition into homes"
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0


def test_teaching_doc_links_open_existing_lessons():
    text = urllib.parse.unquote((REPO / "docs" / "teaching.md").read_text())
    linked = set(re.findall(rf"lab/tree/{classroom.COURSE}/notebooks/(\d\d_\w+\.ipynb)", text))
    assert len(linked) >= 2, "docs/teaching.md links no lesson"
    missing = [n for n in sorted(linked) if not (REPO / "notebooks" / n).is_file()]
    assert missing == [], f"docs/teaching.md links lessons that do not exist: {missing}"


@pytest.mark.parametrize("ip, local", [("127.0.0.1", True), ("127.0.1.1", True), ("::1", True),
                                       ("localhost", True), ("0.0.0.0", False), ("::", False),
                                       ("192.168.1.20", False), ("", False)])
def test_is_loopback(ip, local):
    assert classroom.is_loopback(ip) is local


def test_a_network_bind_needs_a_real_authenticator():
    classroom.check_bind("127.0.0.1", "shared-password")
    classroom.check_bind("0.0.0.0", "github")
    for name in ("shared-password", "dummy", "jupyterhub.auth.DummyAuthenticator"):
        with pytest.raises(SystemExit, match="refusing to listen on 0.0.0.0"):
            classroom.check_bind("0.0.0.0", name)


def test_launcher_refuses_a_network_bind(tmp_path):
    """`deploy/classroom.py --ip 0.0.0.0` stops with the reason before starting anything."""
    if not os.access(classroom.PROXY, os.X_OK):
        pytest.skip("configurable-http-proxy is missing: run `npm ci --prefix deploy` (make hub does)")
    r = subprocess.run([sys.executable, str(DEPLOY / "classroom.py"), "--ip", "0.0.0.0",
                        "--state", str(tmp_path / "state")], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "refusing to listen on 0.0.0.0" in r.stderr


def test_parse_size():
    assert classroom.parse_size("2G") == 2 * 2**30
    assert classroom.parse_size("512M") == 512 * 2**20
    assert classroom.parse_size("1000") == 1000
    assert classroom.parse_size("0") is None and classroom.parse_size("none") is None
    with pytest.raises(ValueError, match="e.g. 2G"):
        classroom.parse_size("lots")


def test_credentials_are_made_once_and_private(tmp_path):
    first = classroom.credentials(tmp_path)
    assert classroom.credentials(tmp_path) == first
    assert len(first["user_password"]) >= 8 and len(first["admin_password"]) >= 32
    assert stat.S_IMODE((tmp_path / "login.json").stat().st_mode) == 0o600
    text = classroom.login_text("http://127.0.0.1:8000/", first)
    assert first["user_password"] in text and "http://127.0.0.1:8000/" in text


def test_seed_home_copies_the_lessons_and_keeps_edits(tmp_path):
    course = classroom.seed_home(tmp_path)
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (course / "notebooks").glob("*.ipynb")) == lessons
    assert not (course / "notebooks" / "scalar.py").exists()  # lesson 3 saves the learner's own engine
    # a lesson's link ../README.md resolves inside the copy
    assert (course / "notebooks" / ".." / "README.md").resolve().is_file()
    edited = course / "notebooks" / lessons[0]
    edited.write_text(json.dumps({"edited": True}))
    (course / "notebooks" / lessons[1]).unlink()
    classroom.seed_home(tmp_path)
    assert json.loads(edited.read_text()) == {"edited": True}, "a learner's edit was overwritten"
    assert (course / "notebooks" / lessons[1]).is_file(), "a missing lesson was not copied back"


def test_limit_process_caps_address_space():
    """The cap a learner's processes get is real: a child under it cannot allocate past it."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import classroom\n"
            "classroom.limit_process(1 << 30)\n"
            "try:\n    b = bytearray(2 << 30)\nexcept MemoryError:\n    print('MemoryError')\n")
    r = subprocess.run([sys.executable, "-c", code, str(DEPLOY)], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "MemoryError", r.stderr
