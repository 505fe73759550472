"""`fundadmin serve` as a real process on the embedded PostgreSQL: start, stop, restart, recover."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.http import FUNDADMIN, free_port, wait_until_ready


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FUNDADMIN_") and k != "DATABASE_URL"
    }
    env["FUNDADMIN_DATA_DIR"] = str(data_dir)
    return env


def _postgres_running_on(pgdata: Path) -> bool:
    for proc in psutil.process_iter(attrs=("name", "cmdline")):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


class Service:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [FUNDADMIN, "serve", "--demo", "--port", str(self.port)],
            env=_env(self.data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_ready(self.process, self.url(""), self.output)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self, sig: int = signal.SIGINT) -> str:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        return self.output()

    def output(self) -> str:
        assert self.process is not None
        if self.process.poll() is None:
            return ""
        assert self.process.stdout is not None
        return self.process.stdout.read()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    migrate = subprocess.run(
        [FUNDADMIN, "db", "upgrade"], env=_env(data), capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    yield data
    # Whatever a failed test left running must not outlive it.
    for proc in psutil.process_iter(attrs=("name", "cmdline")):
        if str(data) in " ".join(proc.info["cmdline"] or []):
            proc.kill()


def _sign_in(service: Service) -> int:
    response = httpx.post(
        service.url("/api/v1/auth/token"), json={"username": "admin-se", "password": "demo"}
    )
    return response.status_code


class TestServiceProcess:
    @pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
    def test_ctrl_c_or_sigterm_stops_the_service_and_its_database(
        self, data_dir: Path, stop_signal: signal.Signals
    ) -> None:
        service = Service(data_dir)
        service.start()
        assert _sign_in(service) == 200
        output = service.stop(stop_signal)
        assert service.process is not None
        assert service.process.returncode == 0, output
        assert "demo users" in output
        assert "Traceback" not in output
        assert not _postgres_running_on(data_dir / "pgdata")

    def test_second_run_keeps_what_was_written(self, data_dir: Path) -> None:
        first = Service(data_dir)
        first.start()
        first.stop()
        second = Service(data_dir)
        second.start()
        assert _sign_in(second) == 200
        output = second.stop()
        assert "demo users" not in output  # seeded once, kept

    def test_a_killed_run_is_recovered_with_a_message(self, data_dir: Path) -> None:
        crashed = Service(data_dir)
        crashed.start()
        crashed.stop(signal.SIGKILL)
        again = Service(data_dir)
        again.start()
        assert _sign_in(again) == 200
        output = again.stop()
        assert "did not stop cleanly" in output
        assert "Traceback" not in output
        assert not _postgres_running_on(data_dir / "pgdata")
