"""The README's curl walk-through of a claim runs as written against the served app."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest
import uvicorn
from litestar import Litestar

from tests.claims.conftest import LetterWorker
from tests.conftest import DEMO_PASSWORD
from tests.http import free_port

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> str:
    section = README.read_text().split("## A claim with curl", 1)[1]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
async def test_the_readme_walkthrough_runs(
    app: Litestar, letter_worker: LetterWorker, tmp_path: Path
) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None)
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), serving.exception()
            await asyncio.sleep(0.05)
        process = await asyncio.create_subprocess_exec(
            "bash",
            "-euo",
            "pipefail",
            "-c",
            walkthrough(),
            env={**os.environ, "BASE": f"http://127.0.0.1:{port}", "PASSWORD": DEMO_PASSWORD},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        walking = asyncio.create_task(process.communicate())
        deadline = asyncio.get_running_loop().time() + 120
        # A letters worker beside the service, as `make run` starts one.
        while not walking.done() and asyncio.get_running_loop().time() < deadline:
            await letter_worker()
            await asyncio.wait({walking}, timeout=0.5)
        output = (await asyncio.wait_for(walking, timeout=1))[0].decode()
    finally:
        server.should_exit = True
        await serving
    assert process.returncode == 0, output
    assert re.fullmatch(r"SE-\d{4}-\d{6} appealed paid 150000\.00\n", output), output
    assert (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF-")
