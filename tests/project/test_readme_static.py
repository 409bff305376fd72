"""The README as text: every code block says how it is tested, its commands exist, its excerpts are the files' own
lines, its pictures show and PyPI reads on without them, and its connection exports make an ``ocp`` connection.

The blocks that run against the emulator: ``test_readme_emulator.py``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest
from readme_blocks import FENCE, KINDS, README, RELATIVE_LINK, ROOT, Block, blocks

pytestmark = pytest.mark.readme


def test_every_block_says_how_it_is_tested() -> None:
    text = README.read_text(encoding="utf-8")
    opening_fences = len(FENCE.findall(text)) // 2
    assert len(blocks()) == opening_fences, "a README code block has no <!-- readme-test: KIND --> marker above it"
    assert {b.kind for b in blocks()} <= KINDS


def test_commands_exist_and_ci_runs_the_test_command() -> None:
    for block in blocks("commands"):
        for line in block.code.splitlines():
            command = shlex.split(line, comments=True)
            if command:
                assert os.access(ROOT / command[0], os.X_OK), f"README line {block.line}: {command[0]} is not a script"
    # The README's first block is the two commands; CI runs its test command as written.
    test_command = shlex.split(blocks("commands")[0].code.splitlines()[1], comments=True)
    assert test_command == ["scripts/test", "--all-lines"]
    assert " ".join(test_command) in (ROOT / ".ci" / "run").read_text()


def test_excerpts_are_the_files_own_lines() -> None:
    for block in blocks("excerpt-of"):
        assert block.arg is not None
        excerpt = [line.strip() for line in block.code.strip().splitlines()]
        source = [line.strip() for line in (ROOT / block.arg).read_text().splitlines()]
        starts = [i for i, line in enumerate(source) if line == excerpt[0]]
        assert any(source[i : i + len(excerpt)] == excerpt for i in starts), (
            f"README line {block.line} not in {block.arg}"
        )


def test_the_readme_shows_its_pictures_and_pypi_reads_on_without_them() -> None:
    """Pictures are linked relatively, so they show in the repository and the sdist; the long description setup.py
    gives PyPI leaves them out (a relative link breaks there and there is no public URL), with no marker left."""
    import runpy

    text = README.read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert "docs/images/backup-sla-delay.png" in pictures
    for picture in pictures:
        assert (ROOT / picture).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), picture
    long_description = runpy.run_path(str(ROOT / "setup.py"), run_name="setup_py_under_test")["long_description"]()
    assert RELATIVE_LINK.findall(long_description) == []
    assert "pypi:" not in long_description and "<!--" in long_description  # only the omitted parts are gone
    assert len(long_description) > 0.9 * len(text)


@pytest.mark.parametrize("block", blocks("connection-env"), ids=lambda b: f"line-{b.line}")
def test_connection_exports_make_an_ocp_connection(block: Block) -> None:
    from airflow_provider_ocp.client.settings import settings_from_airflow_connection

    for line in block.code.strip().split("\nexport "):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        script = ("" if line.startswith("export ") else "export ") + line + "\nprintenv AIRFLOW_CONN_OCP_DEFAULT"
        value = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.strip()
        from airflow.models.connection import Connection

        conn = Connection.from_json(value, conn_id="ocp_default") if value.startswith("{") else Connection(uri=value)
        settings = settings_from_airflow_connection("ocp_default", conn)
        assert conn.conn_type == "ocp" and settings.base_url.startswith("https://")
