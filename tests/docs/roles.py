"""What each code block of a page is, and how a page is played through a Session.

A block's role comes from its marker (`<!-- doctest: ROLE ARGS -->` on the line before the
fence), else from its language:

- `run [fails]` (default for `console`, `sh`, `bash`): run in the page's shell. In a `console`
  block the `$ ` lines are commands and the lines after each are its output; a `sh` block is
  one script whose output is the next block (`output`), or must be empty. With `fails` the
  last command must fail.
- `output` (default for `json`, `text`, `http` right after a `sh` block): compared with what
  the script printed (tests/docs/matching.py).
- `config` (default for `toml`): loaded by maju's config loader, which refuses unknown keys.
- `file PATH`, `append PATH`: written to (appended to) the project file PATH.
- `edit PATH`: each `key = value` the block shows is set in the project's TOML file PATH.
- `excerpt PATH`: the block must appear word for word in the repository file PATH.
- `server-log`: its lines must appear, in order, in what `maju serve` logged.
- `exec` (Python): run by the project's `python`; it must succeed and print nothing.

Any other block is refused. Directives (a doctest comment on a line of its own): `make run`
sets the site up and (re)starts `maju serve`, as a reader's `make run` does; `files-first` (at
the top of a reference page) writes every file of the page before its first command, so that
the server starts only once.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from maju.config import load_config
from tests.docs.blocks import Block, Directive, Item, console_commands
from tests.docs.matching import Mismatch
from tests.docs.session import REPO_ROOT, Session

RUN_LANGS = frozenset({"console", "sh", "bash"})
OUTPUT_LANGS = frozenset({"json", "text", "http"})
FILE_ROLES = frozenset({"file", "append", "edit"})
ROLES = frozenset({"run", "output", "config", "excerpt", "server-log", "exec", *FILE_ROLES})
DIRECTIVES = frozenset({("make", "run"), ("files-first",)})
_DOCTYPE_FILE = re.compile(r"^apps/[^/]+/doctype/([^/]+)/\1\.json$")


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    args: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return self.args[0] if self.args else ""


def role_of(block: Block, previous: Item | None) -> Role:
    """The block's role, or ValueError saying why it has none."""
    if block.marker:
        name, *args = block.marker
        if name not in ROLES:
            raise ValueError(f"{block.where}: unknown doctest role {name!r}")
        if name == "run":
            if args not in ([], ["fails"]):
                raise ValueError(f"{block.where}: `run` takes only `fails`")
        elif (name in FILE_ROLES or name == "excerpt") != (len(args) == 1):
            raise ValueError(f"{block.where}: `{name}` takes {'one path' if args else 'no path'}")
        return Role(name, tuple(args))
    if block.lang in RUN_LANGS:
        return Role("run")
    if block.lang == "toml":
        return Role("config")
    if block.lang in OUTPUT_LANGS and _is_script(previous):
        return Role("output")
    raise ValueError(
        f"{block.where}: a `{block.lang or 'plain'}` block needs a doctest marker saying what "
        "it is (file, append, edit, excerpt, output, ...): every block of the docs is tested"
    )


def _is_script(item: Item | None) -> bool:
    return isinstance(item, Block) and item.lang in ("sh", "bash")


def roles(items: list[Item]) -> list[tuple[Item, Role | None]]:
    """Each item with its role (None for directives), checking the page as a whole."""
    out: list[tuple[Item, Role | None]] = []
    previous: Item | None = None
    for item in items:
        if isinstance(item, Directive):
            if item.words not in DIRECTIVES:
                words = " ".join(item.words)
                raise ValueError(f"{item.where}: unknown doctest directive {words!r}")
            out.append((item, None))
        else:
            role = role_of(item, previous)
            if role.name == "output" and not _is_script(previous):
                raise ValueError(f"{item.where}: an output block must follow a `sh` block")
            out.append((item, role))
        previous = item
    _check_doctypes_migrated(out)
    return out


def _check_doctypes_migrated(items: list[tuple[Item, Role | None]]) -> None:
    """A DocType file must be followed by `maju migrate` or `make run`, which load it with the
    real registry (and a broken one makes them fail, visibly)."""
    waiting: list[Block] = []
    for item, role in items:
        if role is not None and role.name == "file" and _DOCTYPE_FILE.match(role.target):
            assert isinstance(item, Block)
            waiting.append(item)
        elif (isinstance(item, Directive) and item.words == ("make", "run")) or (
            isinstance(item, Block)
            and role is not None
            and role.name == "run"
            and "maju migrate" in item.text
        ):
            waiting.clear()
    if waiting:
        raise ValueError(f"{waiting[0].where}: no `maju migrate` or `make run` loads this DocType")


# ---- checks that need no site ------------------------------------------------------------


def check_config(block: Block) -> None:
    """A TOML block is a valid maju config file (unknown sections or keys are refused)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(block.text, encoding="utf-8")
        load_config(path, environ={})


def check_excerpt(block: Block, role: Role) -> None:
    source = (REPO_ROOT / role.target).read_text(encoding="utf-8")
    if block.text.strip("\n") not in source:
        raise Mismatch(f"{block.where}: this block is not in {role.target} word for word")


# ---- playing a page ----------------------------------------------------------------------


def play(items: list[Item], session: Session) -> None:
    """Run the page top to bottom; raise Mismatch naming the block that went wrong."""
    played = roles(items)
    files_first = any(isinstance(i, Directive) and i.words == ("files-first",) for i in items)
    if files_first:
        for item, role in played:
            if isinstance(item, Block) and role is not None and role.name in FILE_ROLES:
                _write(session, item, role)
    try:
        _play(played, session, files_first)
    finally:
        if session.recorder is not None and session.recorder.outputs:
            recorded = session.recorder.rewrite()
            raise Mismatch(f"recorded into the page: {recorded}; review the diff")


def _play(played: list[tuple[Item, Role | None]], session: Session, files_first: bool) -> None:
    pending: tuple[Block, Role] | None = None  # a sh block waiting for its output block
    for item, role in played:
        if pending is not None:
            expected = item if role is not None and role.name == "output" else None
            assert expected is None or isinstance(expected, Block)
            _located(session, pending[0], partial(_run_script, session, *pending, expected))
            pending = None
            if expected is not None:
                continue
        if isinstance(item, Directive):
            if item.words == ("make", "run"):
                session.make_run()
        elif role is None or (files_first and role.name in FILE_ROLES):
            continue
        elif role.name == "run" and item.lang != "console":
            pending = (item, role)
        else:
            _located(session, item, partial(_play_block, session, item, role))
    if pending is not None:
        _located(session, pending[0], partial(_run_script, session, *pending, None))


def _play_block(session: Session, block: Block, role: Role) -> None:
    if role.name in FILE_ROLES:
        _write(session, block, role)
    elif role.name == "config":
        check_config(block)
    elif role.name == "excerpt":
        check_excerpt(block, role)
    elif role.name == "server-log":
        session.bindings.check(f"...\n{block.text}...\n", session.server_log())
    elif role.name == "run":
        _run_console(session, block, role)
    elif role.name == "exec":
        result = session.run(f"python - <<'__DOC_PYTHON__'\n{block.text}__DOC_PYTHON__")
        _check_status(result.status, result.output, fails=False)
        if result.output.strip():
            raise Mismatch(f"printed output the page does not show:\n{result.output}")


def _located(session: Session, block: Block, step: Callable[[], None]) -> None:
    try:
        step()
    except Mismatch as exc:
        raise Mismatch(f"{block.where}: {exc}\n--- server log ---\n{_tail(session)}") from None


def _tail(session: Session) -> str:
    return "\n".join(session.server_log().splitlines()[-40:])


def _write(session: Session, block: Block, role: Role) -> None:
    if role.name == "edit":
        session.edit_toml(role.target, block.text)
    else:
        session.write(role.target, block.text, append=role.name == "append")


def _run_script(session: Session, block: Block, role: Role, expected: Block | None) -> None:
    result = session.run(block.text)
    _check_status(result.status, result.output, fails="fails" in role.args)
    if expected is None:
        if result.output.strip():
            raise Mismatch(f"printed output the page does not show:\n{result.output}")
    else:
        _compare(session, expected, 0, expected.text, result.output)


def _run_console(session: Session, block: Block, role: Role) -> None:
    commands = console_commands(block)
    for number, (command, expected) in enumerate(commands):
        result = session.run(command)
        last = number == len(commands) - 1
        try:
            _check_status(result.status, result.output, fails="fails" in role.args and last)
            _compare(session, block, number, expected, result.output)
        except Mismatch as exc:
            raise Mismatch(f"$ {command}\n{exc}") from None


def _compare(session: Session, block: Block, index: int, expected: str, actual: str) -> None:
    try:
        session.bindings.check(expected, actual)
    except Mismatch:
        if session.recorder is None:
            raise
        session.recorder.record(block, index, session.bindings.shown(actual))


def _check_status(status: int, output: str, *, fails: bool) -> None:
    if fails and status == 0:
        raise Mismatch(f"the command should have failed, but succeeded:\n{output}")
    if not fails and status != 0:
        raise Mismatch(f"the command failed with status {status}:\n{output}")
