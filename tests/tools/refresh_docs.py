"""Developer tool, not a test: re-run every `$ convcalc …` block of README.md and docs/*.md.

    python tests/tools/refresh_docs.py            # report the blocks whose output changed
    python tests/tools/refresh_docs.py --write    # and write the new output into the files

Each fenced block that starts with `$ convcalc …` is run with bash in a scratch folder (the
convcalc next to this Python first on PATH, no COLUMNS, not a terminal); the YAML files the docs
ask to save (a "`name.yaml`" shortly before a ```yaml block) are written there first. A block's
lines after the command are replaced by the output. Blocks cut with `…` keep their cuts: each kept
line is matched, word for word, with a line of the new output. Blocks with no output shown, or
whose command is not runnable as written, are left alone. Read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```[a-z]*\n(\$ convcalc [^\n]*(?:\n[^$`][^\n]*)*?)\n```$", re.M)
SAVED = re.compile(r"`([A-Za-z0-9_-]+\.yaml)`[^`]{0,200}?\n```yaml\n(.*?)^```$", re.S | re.M)


def words(line: str) -> list[str]:
    found = line.split()
    return ["RULE"] if found and all(set(w) <= set("─━-") for w in found) else found


def run(command: str, folder: str) -> list[str]:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for name in ("COLUMNS", "FORCE_COLOR", "NO_COLOR"):
        env.pop(name, None)
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                          cwd=folder)
    return (done.stdout + done.stderr).rstrip("\n").split("\n")


def split_command(lines: list[str]) -> int:
    """How many lines the command takes: it goes on while a quote is open."""
    taken = 1
    while "\n".join(lines[:taken]).count("'") % 2 and taken < len(lines):
        taken += 1
    return taken


def keep_cuts(old: list[str], new: list[str]) -> list[str] | None:
    """The old block's kept lines, each replaced by the new line with the same words."""
    out, position, last, cut = [], 0, None, None
    for line in old:
        if not line.strip():
            continue
        if line.strip() == "…":
            cut = line
            continue
        wanted = words(line)
        match = next((j for j in range(position, len(new)) if words(new[j]) == wanted), None)
        if match is None:
            return None
        if cut is not None:
            out.append(cut)
        elif last is not None and match > last + 1:
            out.append("" if all(not x.strip() for x in new[last + 1:match]) else "…")
        out.append(new[match])
        position, last, cut = match + 1, match, None
    if cut is not None:
        out.append(cut)
    return out


def refresh(text: str, folder: str, problems: list, name: str) -> str:
    for saved in SAVED.finditer(text):
        Path(folder, saved.group(1)).write_text(saved.group(2))

    def one(match):
        body = match.group(1)
        lines = body.split("\n")
        taken = split_command(lines)
        old = lines[taken:]
        command = "\n".join(lines[:taken])[2:]
        new = run(command, folder)
        if not any(line.strip() for line in old) or new[0].startswith("bash:"):
            return match.group(0)
        if any(line.strip() == "…" for line in old):
            kept = keep_cuts(old, new)
            if kept is None:
                problems.append(f"{name}: {command}: a kept line is gone; cut the block anew")
                return match.group(0)
            new = kept
        if new != old:
            problems.append(f"{name}: {command}: output changed")
        return match.group(0).replace(body, "\n".join(lines[:taken] + new))

    return BLOCK.sub(one, text)


def main() -> None:
    write = "--write" in sys.argv[1:]
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            text = path.read_text(encoding="utf-8")
            new = refresh(text, folder, problems, path.relative_to(ROOT).as_posix())
            if write and new != text:
                path.write_text(new, encoding="utf-8")
    print("\n".join(problems) or "every block shows its command's output")
    sys.exit(1 if problems and not write else 0)


if __name__ == "__main__":
    main()
