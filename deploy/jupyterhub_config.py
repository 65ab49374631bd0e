# JupyterHub for one class on one machine. `make hub` runs it through deploy/classroom.py, which
# sets the BL_HUB_* variables below, prints how to log in and keeps all state in one folder.
#
# - listens on 127.0.0.1 only unless a real authenticator is configured (--extra-config FILE);
# - learners log in with any user name and one shared password; the teacher is the admin user;
# - each learner gets a server of their own (a local process) and the learner's edition of the
#   lessons in <state>/homes/<name>/backprop_lab/, opened on notebooks/;
# - run as root, the hub keeps learners apart: each server runs as system user bl-<name>, whose
#   home (mode 0700) only they can read; run as another user, every server runs as that user;
# - learners fetch and submit graded lessons in JupyterLab's Assignments panel (nbgrader;
#   deploy/course.py writes the settings their servers load from <state>/learner-config/);
# - idle servers are stopped by jupyterhub-idle-culler, idle kernels by the server itself;
# - every learner process gets an address-space cap (RLIMIT_AS); CPU is shared, not capped
#   (docs/teaching.md says which limits are real here and which need Kubernetes).
# Nothing is fetched from the network at run time.

import asyncio
import os
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Unicode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import classroom  # noqa: E402  (deploy/classroom.py, next to this file)

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

env = os.environ.get
STATE = Path(env(classroom.ENV["state"], str(classroom.DEFAULT_STATE))).resolve()
IP = env(classroom.ENV["ip"], "127.0.0.1")
PORT = int(env(classroom.ENV["port"], "8000"))
IDLE_TIMEOUT = int(env(classroom.ENV["idle_timeout"], "3600"))
ADDRESS_SPACE = classroom.parse_size(env(classroom.ENV["mem_limit"], "3G"))
SOLUTIONS = env(classroom.ENV["solutions"], "1") != "0"
APART = os.geteuid() == 0  # learners run as system users of their own only when the hub is root
STATE.mkdir(parents=True, exist_ok=True)
creds = classroom.credentials(STATE)
classroom.prepare_for_learners(STATE)  # done by the launcher already; again for `jupyterhub -f` alone

# --- where the hub listens and keeps its state -------------------------------------------------
c.JupyterHub.bind_url = f"http://{classroom.url_host(IP)}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = classroom.free_port()
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops every learner's server (their files stay)
c.ConfigurableHTTPProxy.command = classroom.proxy_command()
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{classroom.free_port()}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# --- login: one shared password for learners, a long one for the teacher ----------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = creds["user_password"]
c.SharedPasswordAuthenticator.admin_password = creds["admin_password"]
c.Authenticator.admin_users = {classroom.ADMIN}
c.Authenticator.allow_all = True


# --- one server per learner, a local process with its own home and the learner's edition ------
class ClassroomSpawner(LocalProcessSpawner):
    """A server per learner in <state>/homes/<name>, as system user bl-<name> when the hub is root."""

    home_dir_template = Unicode("", config=True, help="The learner's home; {username} is their hub name.")

    @property
    def home_dir(self):
        """This learner's home folder."""
        return self.home_dir_template.format(username=self.user.name)

    def make_preexec_fn(self, name):
        home, address_space = self.home_dir, ADDRESS_SPACE
        become = set_user_setuid(classroom.system_user(name), chdir=False) if APART else None

        def preexec():
            if become:
                become()  # setgid, setgroups, setuid: the learner's own system user
            os.chdir(home)
            classroom.limit_process(address_space, nice=5)

        return preexec

    def user_env(self, env):
        env["USER"] = classroom.system_user(self.user.name) if APART else self.user.name
        env["HOME"] = self.home_dir
        env["SHELL"] = "/bin/bash"
        return env

    def move_certs(self, paths):
        return paths  # no internal TLS: everything is on 127.0.0.1

    async def start(self):
        await asyncio.to_thread(classroom.prepare_home, self.user.name, self.home_dir, SOLUTIONS, APART)
        return await super().start()


c.JupyterHub.spawner_class = ClassroomSpawner
c.ClassroomSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = classroom.LESSONS_URL
c.Spawner.start_timeout = 180  # a busy machine starts 40 servers slowly
c.Spawner.http_timeout = 180
c.Spawner.mem_limit = ADDRESS_SPACE  # shown to the server as MEM_LIMIT; enforced via RLIMIT_AS above
c.Spawner.environment = {
    # one thread per kernel: 30+ kernels on a few cores must not each start a BLAS thread pool
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYTHONUNBUFFERED": "1",
    # the Assignments panel and nbgrader's exchange settings (deploy/course.py writes them)
    "JUPYTER_CONFIG_PATH": str(STATE / "learner-config"),
}
c.Spawner.args = [
    "--LabApp.news_url=None",  # offline: no news feed, no update check
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--MappingKernelManager.cull_idle_timeout=1800",  # an idle kernel gives back its memory
    "--MappingKernelManager.cull_interval=120",
]
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")  # containers and this test machine run as root

# --- idle servers are stopped by jupyterhub-idle-culler, running as a hub service ---------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}",
                f"--cull-every={max(30, min(600, IDLE_TIMEOUT // 4))}"],
    "cwd": str(STATE),
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# An API token for scripts that manage the class (the classroom benchmark and tests use it).
if env(classroom.ENV["admin_token"]):
    c.JupyterHub.services.append({"name": "classroom-admin",
                                  "api_token": env(classroom.ENV["admin_token"])})
    c.JupyterHub.load_roles.append({
        "name": "classroom-admin",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users"],
        "services": ["classroom-admin"],
    })

# A teacher's own settings (a real authenticator, for example) come last and win.
if env(classroom.ENV["extra_config"]):
    load_subconfig(env(classroom.ENV["extra_config"]))  # noqa: F821

classroom.check_bind(IP, c.JupyterHub.authenticator_class)
