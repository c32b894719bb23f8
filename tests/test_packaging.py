"""The wheel: built, installed in a fresh venv, run from outside the repository."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    """A fresh venv with only the built wheel installed (dependencies borrowed)."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("backspasm-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Install the wheel's files without network access, then let the fresh venv see
    # the already-installed dependencies (appended after its own site-packages, so
    # the wheel's backspasm wins over the editable one).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (site / "_borrowed_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env_dir, site, wheel


def test_wheel_contents(wheel_env):
    import zipfile

    _, _, wheel = wheel_env
    names = zipfile.ZipFile(wheel).namelist()
    assert "backspasm/py.typed" in names
    assert "backspasm/__main__.py" in names
    assert "backspasm/knowledge/causes.toml" in names
    assert "backspasm/knowledge/triage.toml" in names
    assert not any(n.startswith(("tests/", "model/")) for n in names)


def test_installed_cli_runs_outside_the_repo(wheel_env, tmp_path):
    env_dir, site, _ = wheel_env
    python = str(env_dir / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import backspasm; print(backspasm.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip().startswith(str(site))
    run = [python, "-m", "backspasm"]  # as a user without the console script on PATH
    help_ = subprocess.run([*run, "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert help_.returncode == 0, help_.stderr
    assert "diagnose" in help_.stdout
    diag = subprocess.run(
        [*run, "diagnose", "-a", "spasm_location=flank", "-a", "blood_in_urine=yes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert diag.returncode == 0, diag.stderr
    assert "kidney_stones" in diag.stdout
    check = subprocess.run([*run, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert "(valid)" in check.stdout


def test_the_package_shows_its_public_names_only():
    # dir(backspasm) listed Any, TYPE_CHECKING and annotations beside the API.
    import backspasm

    shown = dir(backspasm)
    assert shown == sorted(backspasm.__all__)
    assert not {"Any", "TYPE_CHECKING", "annotations", "_LAZY"} & set(shown)
    for name in shown:
        assert getattr(backspasm, name) is not None, name
