"""The documentation is part of the project: its links must lead somewhere, inside the repository.

The README is the front door and ``docs/`` holds the rest, with the senders' contracts copied into
``docs/contracts/`` and the sample deliveries into ``examples/landing/``. Files move (the package, the
tests and the dbt project are restructured from time to time), and a link that no longer resolves sends
a newcomer nowhere. So every relative markdown link in the project's own pages must name a file or folder
that exists in the repository. And since a fresh clone has nothing beside it, no tracked file outside
``tests/`` and ``.ci/`` may still refer to the shared material that used to sit next to the checkout.

These tests read files only: no database, no Airflow, no import of the ``ingestion`` package.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

# The pages whose links are checked, as globs relative to the repository root.
PAGES = ("README.md", "docs/**/*.md", "examples/**/*.md", "benchmarks/**/*.md", "docker/*.md")

# Links that leave the repository or stay on the same page are not checked.
IGNORED_PREFIXES = ("http://", "https://", "mailto:", "#")

FENCED_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# [text](target) and [text](target "title"), also images; a target may be written <like this>.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# [label]: target
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)

STALE = b"../shared"


def markdown_pages() -> list[Path]:
    """The project's own markdown pages, as they are on disk (committed or not)."""
    pages = {path for pattern in PAGES for path in ROOT.glob(pattern) if path.is_file()}
    return sorted(pages)


def link_targets(text: str) -> list[str]:
    """Every link target of a markdown text, leaving out what code blocks and code spans show."""
    text = FENCED_BLOCK.sub("", text)
    text = INLINE_CODE.sub("code", text)
    targets = [m.group(1) for m in INLINE_LINK.finditer(text)]
    targets += [m.group(1) for m in REFERENCE_DEFINITION.finditer(text)]
    return [t[1:-1] if t.startswith("<") and t.endswith(">") else t for t in targets]


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` that do not name an existing file or folder in the repository."""
    problems = []
    for target in link_targets(page.read_text(encoding="utf-8")):
        if target.lower().startswith(IGNORED_PREFIXES):
            continue
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            continue
        if path.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path):
            problems.append(f"{target}: not a path relative to the page")
            continue
        resolved = (page.parent / path).resolve()
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file or folder")
    return problems


def test_the_link_checker_finds_links_and_skips_code() -> None:
    text = (
        'See [a](docs/a.md#part), ![b](<img dir/b.png> "title"), [c](https://example.org), [d](#here).\n'
        "Inline `[not](a-link.md)` and [`code` text](e.md).\n"
        "```\n[not](in-a-fence.md)\n```\n"
        "[ref]: f.md\n"
    )
    assert link_targets(text) == ["docs/a.md#part", "img dir/b.png", "https://example.org", "#here", "e.md", "f.md"]


def test_the_pages_exist() -> None:
    names = {page.relative_to(ROOT).as_posix() for page in markdown_pages()}
    assert "README.md" in names
    assert any(name.startswith("docs/") for name in names)


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def tracked_files() -> list[Path]:
    """The files git tracks that still exist on disk."""
    try:
        done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = [ROOT / name for name in done.stdout.decode("utf-8").split("\0") if name]
    return [path for path in paths if path.is_file()]


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


def test_no_tracked_file_refers_to_the_shared_material_beside_the_checkout() -> None:
    stale = []
    for path in tracked_files():
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(("tests/", ".ci/")):
            continue
        data = path.read_bytes()
        if is_binary(data) or STALE not in data:
            continue
        lines = data.decode("utf-8", errors="replace").splitlines()
        stale += [f"{name}:{number}" for number, line in enumerate(lines, 1) if STALE.decode() in line]
    assert not stale, "a fresh clone has nothing beside it (use examples/landing, docs/contracts): " + ", ".join(stale)
