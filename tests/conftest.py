"""Shared test fixtures: a plain environment for the CLI, a spec writer, and golden files.

Golden files (tests/golden/) hold rendered output that a person has read and found right. A test
compares the program's output with them exactly; after an intended change to the output, run

    pytest tests/test_cli.py --update-golden

to rewrite them, then read the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"

#: Environment variables that would change what is printed (colour, width) or how errors surface.
_ENVIRONMENT_NOISE = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS",
                      "LINES", "TERM", "CONVCALC_DEBUG")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output instead of comparing")


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """Every test sees the output a script would: no forced colour, no terminal width, no debug."""
    for name in _ENVIRONMENT_NOISE:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def write_spec(tmp_path, monkeypatch):
    """Write a spec into a fresh directory and return its name relative to it (the cwd).

    Messages then read ``bad.yaml:4: …`` instead of carrying a long temporary path.
    """
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "bad.yaml") -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return write


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/NAME, or rewrite that file under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest with --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, (f"output differs from {path}; if the change is intended, run"
                                    " pytest --update-golden and read the diff")

    return check


def pytest_report_header(config):
    """Say which convcalc the tests exercise: CI tests the installed package, not the tree."""
    import convcalc

    return f"convcalc {convcalc.__version__} from {Path(convcalc.__file__).parent}"
