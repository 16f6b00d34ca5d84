"""A throwaway PostgreSQL cluster for the tests: a temp folder, an unprivileged user, a free loopback port.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` system user (``runuser``);
otherwise to the user running the tests. Durability is switched off: the cluster lives for one test session.

Each test gets a schema of its own. :meth:`Cluster.new_url` gives an empty one; :meth:`Cluster.new_project_url`
one that already holds a migrated, empty ipe store: the store is migrated once per session into a template schema,
and each new schema is made from ``pg_dump``'s script of it in one round trip (several times faster than running the
migrations again).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_DIRS = [Path(os.environ.get("IPE_PG_BIN", "/usr/lib/postgresql/15/bin"))] + \
    sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SUPERUSER = "ipe_test"
TEMPLATE_SCHEMA = "ipe_template"


def find_bin() -> Path:
    for folder in BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise RuntimeError("PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin); install the"
                       " 'postgresql' package (apt-get install postgresql) or set IPE_PG_BIN")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Start with :meth:`start`, make one empty schema per test with :meth:`new_url`, end with :meth:`stop`."""

    def __init__(self):
        self.bin = find_bin()
        self.root = Path(tempfile.mkdtemp(prefix="ipe-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None
        self._schemas = 0
        self._template: str | None = None

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=timeout)

    def start(self) -> "Cluster":
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--locale=C.UTF-8")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
                   " -c shared_buffers=32MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60",
                  "start")
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def base_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _url(self, schema: str) -> str:
        return f"{self.base_url}?options=-csearch_path%3D{schema}"

    def _new_schema(self) -> str:
        self._schemas += 1
        return f"t{os.getpid()}_{self._schemas}_{int(time.time() * 1000) % 100000}"

    def new_url(self) -> str:
        """The URL of a new, empty project: a schema of its own in the cluster's database."""
        import psycopg

        schema = self._new_schema()
        with psycopg.connect(self.base_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return self._url(schema)

    def new_project_url(self) -> str:
        """The URL of a schema holding a new, migrated, empty ipe store (what ``ipe init --database URL`` makes)."""
        import psycopg

        schema = self._new_schema()
        with psycopg.connect(self.base_url, autocommit=True) as conn:
            conn.execute(re.sub(rf"\b{TEMPLATE_SCHEMA}\b", schema, self._template_script()))
        return self._url(schema)

    def _template_script(self) -> str:
        """The SQL that recreates the migrated template schema (made on first use)."""
        if self._template is None:
            import psycopg

            from ipe.store import Store

            with psycopg.connect(self.base_url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {TEMPLATE_SCHEMA}")
            Store.create(self.root / "template-project", self._url(TEMPLATE_SCHEMA)).close()
            dump = self._run("pg_dump", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-n",
                             TEMPLATE_SCHEMA, "--inserts", "--no-owner", "--no-privileges", "postgres").stdout
            # Backslash lines are psql meta-commands (newer pg_dump writes \restrict), not SQL.
            self._template = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
        return self._template
