"""The README's code blocks, each with the marker just above it that says how it is tested.

Each block carries a marker, ``<!-- readme-test: KIND -->`` (an HTML comment: invisible on GitHub and PyPI); a block
without one fails ``test_every_block_says_how_it_is_tested`` (``test_readme_static.py``). Used by the README's tests
(``test_readme_static.py``, ``test_readme_emulator.py``), ``test_example_dags_cli.py`` and ``test_packaging.py``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARKER = re.compile(
    r"<!-- readme-test: (?P<kind>[a-z-]+)(?: (?P<arg>\S+))? -->\n *(?P<indent> *)```(?P<lang>\w*)\n(?P<code>.*?)^ *```",
    re.S | re.M,
)
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#)([^)]+)\)")
"""A Markdown link or picture that works only beside the README (in the repository and the sdist), not on PyPI."""
FENCE = re.compile(r"^ *```\w*$", re.M)
KINDS = {
    "commands",
    "dags-test",  # run by tests/project/test_example_dags_cli.py on every Airflow line
    "install",
    "connection-env",
    "emulator-cli",
    "python-against-emulator",
    "dag-against-emulator",
    "excerpt-of",
    "pytest-file",
    "sensor-xcom",
    "xcom-of",  # a return value's shape; the argument is DAG id.task id of a dag-against-emulator block
}


@dataclass(frozen=True)
class Block:
    kind: str
    arg: str | None
    lang: str
    code: str
    line: int


def blocks(kind: str | None = None) -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = [
        Block(m["kind"], m["arg"], m["lang"], textwrap.dedent(m["code"]), text[: m.start()].count("\n") + 1)
        for m in MARKER.finditer(text)
    ]
    return [b for b in found if kind is None or b.kind == kind]
