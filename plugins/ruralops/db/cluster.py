"""A project-local PostgreSQL cluster, so a fresh checkout runs with no database to set up.

The cluster lives in the state folder and listens on 127.0.0.1 only, with a generated
password (scram-sha-256) kept in a mode-600 file beside it. PostgreSQL refuses to run as
root, so when we are root the server runs as an unprivileged OS user (``postgres`` by
default); if that user cannot reach the checkout (a mode-700 home, say) the data directory
goes under /var/tmp instead and the state folder records where.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ruralops.settings import paths

SUPERUSER = "ruralops"
DATABASE = "ruralops"
DEFAULT_PORT = 55432
# Where distributions install server binaries, newest version first.
SEARCH_PATTERNS = ["/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin",
                   "/opt/homebrew/opt/postgresql*/bin", "/usr/local/opt/postgresql*/bin"]


class ClusterError(RuntimeError):
    """The embedded cluster cannot be found, started or reached; the message says what to do."""


@dataclass
class ClusterState:
    """What we remember about the cluster between commands (cluster.json, mode 600)."""

    bin_dir: str
    data_dir: str
    log_file: str
    os_user: str | None
    port: int
    password: str
    pii_key: str

    @property
    def database(self) -> str:
        return DATABASE


def find_bin_dir() -> Path:
    """Locate initdb/pg_ctl: $RURALOPS_PG_BIN, pg_config, PATH, then the usual install folders."""
    candidates: list[Path] = []
    if os.environ.get("RURALOPS_PG_BIN"):
        candidates.append(Path(os.environ["RURALOPS_PG_BIN"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for pattern in SEARCH_PATTERNS:
        found = sorted(glob.glob(pattern), key=_version_key, reverse=True)
        candidates.extend(Path(p) for p in found)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise ClusterError(
        "No PostgreSQL server binaries found (initdb, pg_ctl). Install them "
        "(Debian/Ubuntu: apt-get install postgresql) or set RURALOPS_PG_BIN to their folder; "
        "or point RURALOPS_DATABASE_URL at an existing database and nothing will be started."
    )


def _version_key(path: str) -> tuple[int, ...]:
    digits = "".join(c if c.isdigit() else " " for c in path).split()
    return tuple(int(d) for d in digits)


def _os_user() -> str | None:
    """The unprivileged user the server runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("RURALOPS_PG_OS_USER", "postgres")
    try:
        pwd.getpwnam(name)
    except KeyError as exc:
        raise ClusterError(
            f"Running as root, but OS user {name!r} does not exist. PostgreSQL refuses to run as "
            f"root: create an unprivileged user (useradd --system {name}) or set RURALOPS_PG_OS_USER."
        ) from exc
    return name


def _as_user(os_user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", os_user, "--", *argv] if os_user else argv


def _run(os_user: str | None, argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_user(os_user, argv), capture_output=True, text=True, cwd="/")


def _user_can_write(os_user: str | None, folder: Path) -> bool:
    if os_user is None:
        return os.access(folder, os.W_OK | os.X_OK)
    return _run(os_user, ["test", "-w", str(folder), "-a", "-x", str(folder)]).returncode == 0


def _state_file() -> Path:
    return paths().postgres / "cluster.json"


def load_state() -> ClusterState | None:
    path = _state_file()
    if not path.exists():
        return None
    return ClusterState(**json.loads(path.read_text()))


def _save_state(state: ClusterState) -> None:
    path = _state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(state), handle, indent=2)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port() -> int:
    wanted = int(os.environ.get("RURALOPS_PG_PORT", DEFAULT_PORT))
    if _port_is_free(wanted):
        return wanted
    if os.environ.get("RURALOPS_PG_PORT"):
        raise ClusterError(f"RURALOPS_PG_PORT={wanted} is already in use on 127.0.0.1.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _choose_data_root(os_user: str | None) -> Path:
    """state/postgres if the server's user can reach it, else a folder under /var/tmp."""
    local = paths().postgres
    local.mkdir(parents=True, exist_ok=True)
    if os_user is None:
        return local
    local.chmod(0o755)
    if _user_can_write(os_user, local) or _chown_and_check(os_user, local):
        return local
    parent = Path("/var/tmp/ruralops-postgres")
    parent.mkdir(parents=True, exist_ok=True)
    parent.chmod(0o755)
    # A fresh folder per cluster: a stale one from a deleted state folder is never reused.
    fallback = parent / f"{_checkout_slug()}-{secrets.token_hex(4)}"
    fallback.mkdir()
    return fallback


def _chown_and_check(os_user: str, folder: Path) -> bool:
    entry = pwd.getpwnam(os_user)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    return _user_can_write(os_user, folder)


def _checkout_slug() -> str:
    return hashlib.sha1(str(paths().state).encode()).hexdigest()[:12]


def init() -> ClusterState:
    """Create the cluster if it does not exist yet; return its state either way."""
    state = load_state()
    if state and Path(state.data_dir, "PG_VERSION").exists():
        return state
    bin_dir = find_bin_dir()
    os_user = _os_user()
    root = _choose_data_root(os_user)
    data_dir = root / "data"
    log_dir = root / "log"
    for folder in (data_dir, log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        if os_user:
            entry = pwd.getpwnam(os_user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)
    password = secrets.token_urlsafe(24)
    pwfile = _write_private_temp(password, os_user)
    try:
        result = _run(os_user, [
            str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER,
            "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
        ])
    finally:
        os.unlink(pwfile)
    if result.returncode != 0:
        raise ClusterError(f"initdb failed:\n{result.stderr.strip()}")
    state = ClusterState(
        bin_dir=str(bin_dir), data_dir=str(data_dir), log_file=str(log_dir / "postgres.log"),
        os_user=os_user, port=_pick_port(), password=password,
        pii_key=secrets.token_hex(32),
    )
    _save_state(state)
    return state


def _write_private_temp(content: str, os_user: str | None) -> str:
    fd, name = tempfile.mkstemp(prefix="ruralops-pw-")
    with os.fdopen(fd, "w") as handle:
        handle.write(content + "\n")
    if os_user:
        entry = pwd.getpwnam(os_user)
        os.chown(name, entry.pw_uid, entry.pw_gid)
    os.chmod(name, 0o600)
    return name


def _write_server_config(state: ClusterState) -> None:
    """Settings that must hold on every start: loopback only, no unix socket, our port."""
    conf = "\n".join([
        "# written by ruralops db start",
        "listen_addresses = '127.0.0.1'",
        f"port = {state.port}",
        "unix_socket_directories = ''",
        "max_connections = 100",
        "shared_buffers = '512MB'",
        "work_mem = '64MB'",
        "maintenance_work_mem = '256MB'",
        "fsync = on",
        "timezone = 'Asia/Shanghai'",
        "",
    ])
    target = f"{state.data_dir}/ruralops.conf"
    tmp = _write_private_temp(conf, state.os_user)
    _run(state.os_user, ["cp", tmp, target])
    os.unlink(tmp)
    include = "include_if_exists = 'ruralops.conf'"
    check = _run(state.os_user, ["grep", "-qF", include, f"{state.data_dir}/postgresql.conf"])
    if check.returncode != 0:
        _run(state.os_user, ["sh", "-c", f"echo \"{include}\" >> {state.data_dir}/postgresql.conf"])


def is_running(state: ClusterState) -> bool:
    result = _run(state.os_user, [f"{state.bin_dir}/pg_ctl", "status", "-D", state.data_dir])
    return result.returncode == 0


def start() -> ClusterState:
    """Initialise if needed, start if stopped, make sure the ruralops database exists."""
    state = init()
    if not is_running(state):
        if not _port_is_free(state.port):
            state.port = _pick_port()
            _save_state(state)
        _write_server_config(state)
        result = _run(state.os_user, [
            f"{state.bin_dir}/pg_ctl", "start", "-D", state.data_dir, "-l", state.log_file,
            "-w", "-t", "60",
        ])
        if result.returncode != 0:
            tail = _run(state.os_user, ["tail", "-n", "20", state.log_file]).stdout
            raise ClusterError(f"PostgreSQL did not start:\n{result.stderr.strip()}\n{tail}")
    _wait_and_create_database(state)
    return state


def _wait_and_create_database(state: ClusterState) -> None:
    import psycopg2

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=state.port, user=SUPERUSER,
                                    password=state.password, dbname="postgres")
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (DATABASE,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{DATABASE}"')
    conn.close()


def destroy() -> None:
    """Stop the cluster and delete its data; the next start creates a new, empty one."""
    state = load_state()
    if state is None:
        return
    stop()
    data_root = Path(state.data_dir).parent
    shutil.rmtree(data_root, ignore_errors=True)
    _state_file().unlink(missing_ok=True)


def stop() -> bool:
    """Stop the cluster; returns False when there was nothing running."""
    state = load_state()
    if state is None or not is_running(state):
        return False
    result = _run(state.os_user, [f"{state.bin_dir}/pg_ctl", "stop", "-D", state.data_dir,
                                  "-m", "fast", "-w"])
    if result.returncode != 0:
        raise ClusterError(f"pg_ctl stop failed:\n{result.stderr.strip()}")
    return True
