"""The PyPI long description: README.md without the parts that only read right in the source repository.

Everything else about the package is in pyproject.toml. The README shows pictures (the SLA example's delay chart) by
relative links, which work in the repository and the sdist but break on PyPI, and the project has no public URL they
could point to instead; so the parts between ``<!-- pypi: omit -->`` and ``<!-- pypi: end -->`` are left out of the
long description, whose text around them reads on without them.
"""

from __future__ import annotations

import re
from pathlib import Path

from setuptools import setup

REPOSITORY_ONLY = re.compile(r"^<!-- pypi: omit -->\n.*?^<!-- pypi: end -->\n", re.S | re.M)


def long_description() -> str:
    """README.md as PyPI shows it."""
    return REPOSITORY_ONLY.sub("", (Path(__file__).resolve().parent / "README.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    setup(long_description=long_description(), long_description_content_type="text/markdown")
