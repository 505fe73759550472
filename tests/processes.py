"""Two `fundadmin serve` processes on one database, as a deployment behind a load balancer runs
them: nothing one process holds in memory (a lock, a cache) can then keep the other in line."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import URL

from tests.clock import NOW
from tests.http import FUNDADMIN, free_port, wait_until_ready


@dataclass(frozen=True)
class ServiceProcess:
    process: subprocess.Popen[str]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def service_environment(
    database_url: URL, data_dir: Path, signing_keys: str, master_keys: str
) -> dict[str, str]:
    """The settings every instance of one deployment shares: database, keys, business clock."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FUNDADMIN_") and k != "DATABASE_URL"
    }
    return env | {
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "FUNDADMIN_ENVIRONMENT": "test",
        "FUNDADMIN_DATA_DIR": str(data_dir),
        "FUNDADMIN_JWT_PRIVATE_KEYS": signing_keys,
        "FUNDADMIN_MASTER_KEYS": master_keys,
        "FUNDADMIN_FIXED_NOW": NOW.isoformat(),
        "FUNDADMIN_LOG_LEVEL": "WARNING",
    }


@contextmanager
def service_processes(
    count: int, env: dict[str, str], log_dir: Path
) -> Iterator[list[ServiceProcess]]:
    """`count` services on one database, each on its own port, stopped (and waited for) after."""
    with ExitStack() as stack:
        services = []
        for number in range(count):
            port = free_port()
            log = log_dir / f"service-{number}.log"
            output = stack.enter_context(log.open("w"))
            process = subprocess.Popen(
                [FUNDADMIN, "serve", "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
            stack.callback(_stop, process)
            services.append(ServiceProcess(process, f"http://127.0.0.1:{port}", log))
        for service in services:
            wait_until_ready(service.process, service.base_url, service.output)
        yield services


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def clients(services: list[ServiceProcess]) -> list[httpx.AsyncClient]:
    """One client per service, pooled enough for the races the tests run."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return [
        httpx.AsyncClient(base_url=service.base_url, timeout=30, limits=limits)
        for service in services
    ]
