"""The package as PyPI users get it: sdist and wheel built from this tree, their contents and metadata, and the
README's install commands run as written in a fresh virtualenv (against the wheel just built, pinned by the
constraints of the default Airflow line).
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP = "pip==26.3"
pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    uv = Path(sys.executable).with_name("uv")
    subprocess.run([str(uv), "build", "--sdist", "--wheel", "-o", str(out), str(ROOT)], check=True, capture_output=True)
    yield out


def wheel_of(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_the_wheel_carries_the_license_types_and_no_tests(dist: Path) -> None:
    names = zipfile.ZipFile(wheel_of(dist)).namelist()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert "airflow_provider_ocp/py.typed" in names
    assert not [name for name in names if name.startswith(("tests/", "example_dags/", "benchmarks/"))]


def test_the_metadata_reads_right_on_pypi(dist: Path) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        metadata_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(wheel.read(metadata_name))
        entry_points = wheel.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Requires-Python"] == ">=3.11"
    classifiers = metadata.get_all("Classifier") or []
    assert "Framework :: Apache Airflow :: Provider" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert "Programming Language :: Python :: 3.11" in classifiers and metadata["Keywords"]
    assert "dev" not in (metadata.get_all("Provides-Extra") or [])  # dev tools are a dependency group
    assert "[pytest11]" not in entry_points  # the emulator's fixture is opt-in, not loaded into every pytest run
    assert "apache_airflow_provider" in entry_points
    description = metadata.get_payload()
    from readme_blocks import RELATIVE_LINK

    relative_links = RELATIVE_LINK.findall(description)
    assert relative_links == [], "links that only work in the repository, not on PyPI"


def test_the_sdist_can_run_its_tests(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "README.md",
        "tests/conftest.py",
        "tests/operator_support.py",
        "tests/dag_support.py",
        "tests/hostile_server.py",
        "example_dags/example_ocp_log_backup_extract.py",
        "constraints/airflow-3.3.txt",
    ):
        assert needed in names, needed
    assert any(name.startswith("tests/hooks/test_") for name in names)


def test_the_readme_install_commands_run_as_written(dist: Path, tmp_path: Path) -> None:
    """The README's install block, run as one bash script in a fresh venv, with one substitution: Airflow's published
    constraints URL (the block's pattern, checked here) reads the project's constraints file of the default line,
    which pins the same Airflow release (CI may not reach GitHub's raw files)."""
    import re

    from readme_blocks import blocks

    (block,) = blocks("install")
    constraints = ROOT / "constraints" / "airflow-3.3.txt"
    pinned = re.search(r"^apache-airflow==(\S+)$", constraints.read_text(), re.M)
    assert pinned is not None
    assert f"AIRFLOW_VERSION={pinned[1]} " in block.code  # the example pins the default line's release
    published = "https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW_VERSION}/constraints-${PYTHON_VERSION}.txt"
    assert f'CONSTRAINTS="{published}"' in block.code and '--constraint "${CONSTRAINTS}"' in block.code
    script = "set -euo pipefail\n" + block.code.replace(published, constraints.as_uri())
    venv = tmp_path / "user-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # A current pip, as a user installing today has; the pip that Python 3.11.7's ensurepip bundles (23.2.1) takes
    # twice as long (about 28 s of CPU against 12 s) to resolve Airflow's dependencies for the first line.
    pip_upgrade = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", PIP]
    subprocess.run(pip_upgrade, check=True, env={**os.environ, "PIP_CONSTRAINT": ""}, timeout=300)
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "PIP_FIND_LINKS": str(dist),  # the wheel just built stands in for PyPI's; everything else comes from PyPI
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # Compiling Airflow's ~10k modules to bytecode is most of the install's CPU and tells nothing about the
        # commands; Python compiles what `airflow providers list` imports anyway.
        "PIP_NO_COMPILE": "1",
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "VIRTUAL_ENV": str(venv),
    }
    env.pop("PYTHONPATH", None)
    env.pop("PIP_CONSTRAINT", None)  # the block's own --constraint is what is tested
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = subprocess.run(
        [str(venv / "bin" / "airflow"), "providers", "list"], env=env, capture_output=True, text=True, timeout=300
    )
    assert "airflow-provider-ocp" in listed.stdout, listed.stderr[-2000:]
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pyarrow, matplotlib, airflow_provider_ocp.operators.log_backup"],
        env=env,
    )
    assert imported.returncode == 0
    cryptography = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from importlib.metadata import version; print(version('cryptography'))"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert cryptography.stdout.strip() == re.search(r"^cryptography==(\S+)$", constraints.read_text(), re.M)[1]
