"""The built-in architectures: YAML specs shipped in the package, found by name.

In an installed package they live in ``convcalc/architectures/``; in a source checkout, in the
top-level ``architectures/`` folder. A built-in's name is its file name without ``.yaml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import SpecError, did_you_mean


def architectures_dir() -> Path:
    package = Path(__file__).resolve().parent
    installed = package / "architectures"
    return installed if installed.is_dir() else package.parent / "architectures"


@lru_cache(maxsize=1)
def builtin_specs() -> dict[str, Path]:
    """Every built-in name and its file, sorted by name."""
    root = architectures_dir()
    found = {path.stem: path for path in root.rglob("*.yaml")} if root.is_dir() else {}
    return dict(sorted(found.items()))


def resolve(argument: str) -> Path:
    """A spec argument is a path to a file, or the name of a built-in architecture."""
    path = Path(argument)
    if path.exists():
        return path
    specs = builtin_specs()
    if argument in specs:
        return specs[argument]
    if path.suffix in (".yaml", ".yml") or "/" in argument:
        raise SpecError(f"{argument}: no such file; check the path, or run 'convcalc list' for"
                        " the built-in names")
    raise SpecError(f"'{argument}' is neither a spec file nor a built-in architecture"
                    f"{did_you_mean(argument, specs)}; run 'convcalc list' for the built-in names")


def display_name(path: Path) -> str:
    """How messages name a spec file: built-ins as ``architectures/…`` wherever they are
    installed, other files as given."""
    try:
        return "architectures/" + path.resolve().relative_to(architectures_dir()).as_posix()
    except ValueError:
        return str(path)


def load(argument: str, overrides: dict | None = None, convention: str | None = None):
    """Load a spec given as a path or a built-in name."""
    from .spec import load_spec

    path = resolve(argument)
    return load_spec(path, overrides, display_name(path), convention)
