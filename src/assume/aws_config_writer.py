"""Edit one profile of the AWS config file, leaving every other byte as it was.

The file is read as lines and only the lines of the profile in question change, so comments,
blank lines, other sections and line endings survive. Lines are classified the way Python's
configparser (which botocore uses) reads them. A profile written here carries MARKER, so a later
run can tell its own profiles from the user's. Writes go through a temp file in the same folder,
fsync and os.replace: a crash leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import configparser
import contextlib
import enum
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assume.errors import AssumeError, ConfigError, InputError

MARKER = "# managed by assume"
NEW_FILE_MODE = 0o600  # the AWS CLI's mode for a config file it creates

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SECTION = configparser.RawConfigParser.SECTCRE
_PROFILE_NAME = re.compile(r"[\w.@+=,:/-]+", re.ASCII)


class Change(enum.Enum):
    """What write_profile did to the file."""

    ADDED = "added"
    UPDATED = "updated"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


class Kind(enum.Enum):
    """How configparser reads a line."""

    BLANK = "blank"
    COMMENT = "comment"
    HEADER = "header"
    OPTION = "option"
    CONTINUATION = "continuation"


@dataclass(frozen=True)
class Section:
    """Where one section's lines are: [start, end) holds its header and everything up to the
    next header; [start, block_end) stops after its last setting, leaving trailing comments and
    blank lines (which usually introduce the next section) to their neighbours."""

    profile: str | None
    start: int
    block_end: int
    end: int


def check_profile_name(name: str) -> str:
    """A name botocore reads back as one profile: no spaces, brackets, quotes or newlines."""
    if not _PROFILE_NAME.fullmatch(name):
        raise InputError(
            f"'{name}' cannot be a profile name here.",
            "Use letters, digits and _.@+=,:/- only.",
        )
    return name


def _profile_of(header: str) -> str | None:
    """The profile a section header names, as botocore reads it; None for other sections."""
    if header == "default":
        return "default"
    if header.startswith("profile "):
        return header[len("profile ") :].strip()
    return None


def _option_key(line: str) -> str:
    """The key of an option line, lower-cased as configparser stores it."""
    return re.split(r"[=:]", line, maxsplit=1)[0].strip().lower()


class ConfigDocument:
    """The lines of an AWS config file (line endings kept) and the sections they form."""

    def __init__(self, text: str) -> None:
        self.lines: list[str] = _LINE.findall(text)
        first_end = re.search(r"\r\n|\r|\n", text)
        self.newline = first_end.group() if first_end else os.linesep

    def text(self) -> str:
        """The document as it would be written."""
        return "".join(self.lines)

    def kinds(self) -> list[Kind]:
        """Classify each line as configparser does (indented lines after an option continue it)."""
        kinds: list[Kind] = []
        in_option = False
        indent_level = 0
        for line in self.lines:
            body = line.rstrip("\r\n")
            stripped = body.strip()
            if not stripped:
                kinds.append(Kind.BLANK)  # a blank line may sit inside a multi-line value
                continue
            if stripped[0] in "#;":
                kinds.append(Kind.COMMENT)
                in_option = False
                continue
            indent = len(body) - len(body.lstrip())
            if in_option and indent > indent_level:
                kinds.append(Kind.CONTINUATION)
                continue
            indent_level = indent
            if _SECTION.match(stripped):
                kinds.append(Kind.HEADER)
                in_option = False
            else:
                kinds.append(Kind.OPTION)
                in_option = True
        return kinds

    def sections(self) -> list[Section]:
        """Every section, in file order."""
        kinds = self.kinds()
        starts = [index for index, kind in enumerate(kinds) if kind is Kind.HEADER]
        sections = []
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(self.lines)
            block_end = start + 1
            for index in range(start + 1, end):
                if kinds[index] in (Kind.OPTION, Kind.CONTINUATION) or self._is_marker(index):
                    block_end = index + 1
            header = _SECTION.match(self.lines[start].strip())
            assert header is not None
            sections.append(Section(_profile_of(header["header"]), start, block_end, end))
        return sections

    def find(self, profile: str) -> Section | None:
        """The section of `profile`; a ConfigError when it is defined twice."""
        found = [section for section in self.sections() if section.profile == profile]
        if len(found) > 1:
            raise ConfigError(
                f"Profile '{profile}' is defined in {len(found)} sections.", "Merge them first."
            )
        return found[0] if found else None

    def _is_marker(self, index: int) -> bool:
        return self.lines[index].strip().startswith(MARKER)

    def is_managed(self, section: Section) -> bool:
        """True when `assume configure` wrote this section (it carries MARKER)."""
        return any(self._is_marker(index) for index in range(section.start + 1, section.end))

    def _line(self, text: str) -> str:
        return text + self.newline

    def _setting_lines(self, settings: dict[str, str]) -> list[str]:
        return [self._line(f"{key} = {value}") for key, value in settings.items()]

    def _body(self, profile: str, settings: dict[str, str]) -> list[str]:
        note = f"{MARKER}; `assume configure --remove --profile {profile}` removes it"
        return [self._line(note), *self._setting_lines(settings)]

    def add(self, profile: str, settings: dict[str, str]) -> None:
        """Append a new managed section, after a blank line."""
        if self.lines and not self.lines[-1].endswith(("\n", "\r")):
            self.lines[-1] += self.newline
        if self.lines and self.lines[-1].strip():
            self.lines.append(self.newline)
        header = "[default]" if profile == "default" else f"[profile {profile}]"
        self.lines += [self._line(header), *self._body(profile, settings)]

    def replace(self, section: Section, profile: str, settings: dict[str, str]) -> None:
        """Make a section managed: its settings (and comments among them) give way to ours."""
        self.lines[section.start + 1 : section.block_end] = self._body(profile, settings)

    def update(self, section: Section, settings: dict[str, str]) -> None:
        """Set keys in a managed section; the user's other lines there stay as they are."""
        kinds = self.kinds()
        for key, value in settings.items():
            section = self._section_at(section.start)
            index = next(
                (i for i in range(section.start + 1, section.block_end)
                 if kinds[i] is Kind.OPTION and _option_key(self.lines[i]) == key),
                None,
            )
            new = self._line(f"{key} = {value}")
            if index is None:
                self.lines.insert(section.block_end, new)
            else:
                stop = index + 1
                while stop < section.block_end and kinds[stop] is Kind.CONTINUATION:
                    stop += 1
                self.lines[index:stop] = [new]
            kinds = self.kinds()

    def _section_at(self, start: int) -> Section:
        return next(section for section in self.sections() if section.start == start)

    def remove(self, section: Section) -> None:
        """Take a section out, with the blank line that separated it from its neighbours."""
        start, stop = section.start, section.block_end
        if stop == len(self.lines):
            if start > 0 and not self.lines[start - 1].strip():
                start -= 1
        else:
            while stop < len(self.lines) and not self.lines[stop].strip():
                stop += 1
        del self.lines[start:stop]

    def settings(self, section: Section) -> dict[str, str]:
        """The key/value pairs of a section, as configparser reads them."""
        parser = configparser.RawConfigParser(default_section="\x00none")
        parser.read_string("".join(self.lines[section.start : section.end]))
        return dict(parser.items(parser.sections()[0]))


def read(path: Path) -> tuple[bytes | None, ConfigDocument]:
    """The file's bytes (None when it does not exist) and its document."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ConfigDocument("")
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        return data, ConfigDocument(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Cannot edit {path}: it is not UTF-8 text.") from None


def _check_parses(path: Path, text: str, profile: str, settings: dict[str, str] | None) -> None:
    """The new text must read back with configparser, with our settings in place."""
    parser = configparser.RawConfigParser(default_section="\x00none")
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise ConfigError(f"Cannot parse {path}: {first_line}", "Fix the file first.") from None
    if settings is None:
        return
    sections = [name for name in parser.sections() if _profile_of(name) == profile]
    written = dict(parser.items(sections[0])) if len(sections) == 1 else {}
    if any(written.get(key) != value for key, value in settings.items()):
        raise ConfigError(f"Cannot write profile '{profile}' to {path} safely.")


def write_profile(
    path: Path,
    profile: str,
    settings: dict[str, str],
    *,
    force: bool,
    defaults: dict[str, str] | None = None,
) -> Change:
    """Add or update the managed profile `profile` with `settings`, and with each of
    `defaults` that the profile does not set yet (a value the user chose there stays).

    A profile that assume did not write is replaced only with `force`.
    """
    check_profile_name(profile)
    for key, value in {**(defaults or {}), **settings}.items():
        if any(ch in value for ch in "\r\n\x00") or value != value.strip():
            raise InputError(f"The value of {key} cannot be written on one config line.")
    original, document = read(path)
    _check_parses(path, document.text(), profile, None)
    section = document.find(profile)
    if section is None:
        document.add(profile, {**settings, **(defaults or {})})
        change = Change.ADDED
    elif not document.is_managed(section):
        if not force:
            raise InputError(
                f"Profile '{profile}' in {path} was not written by assume.",
                "Pick another --profile, or add --force to replace it (its settings go).",
            )
        document.replace(section, profile, {**settings, **(defaults or {})})
        change = Change.REPLACED
    else:
        current = document.settings(section)
        missing = {key: value for key, value in (defaults or {}).items() if key not in current}
        wanted = {**settings, **missing}
        if all(current.get(key) == value for key, value in wanted.items()):
            return Change.UNCHANGED
        document.update(section, wanted)
        change = Change.UPDATED
    text = document.text()
    _check_parses(path, text, profile, settings)
    write_atomic(path, text.encode("utf-8"), expected=original)
    return change


def remove_profile(path: Path, profile: str, *, force: bool) -> None:
    """Remove the managed profile `profile`; one assume did not write only with `force`."""
    check_profile_name(profile)
    original, document = read(path)
    _check_parses(path, document.text(), profile, None)
    section = document.find(profile)
    if section is None:
        raise ConfigError(f"No profile '{profile}' in {path}.")
    if not document.is_managed(section) and not force:
        raise InputError(
            f"Profile '{profile}' in {path} was not written by assume; it stays.",
            "Add --force to remove it anyway.",
        )
    document.remove(section)
    text = document.text()
    _check_parses(path, text, profile, None)
    write_atomic(path, text.encode("utf-8"), expected=original)


def write_atomic(path: Path, data: bytes, *, expected: bytes | None) -> None:
    """Replace the file at `path` (through a symlink) with `data`, atomically.

    `expected` is what the file held when read (None: absent); if another program changed it
    since, nothing is written. The file keeps its mode; a new one gets NEW_FILE_MODE.
    """
    target = Path(os.path.realpath(path))
    try:
        _replace(target, data, expected)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AssumeError(f"Cannot write {path}: {reason}. It was left as it was.") from None


def _replace(target: Path, data: bytes, expected: bytes | None) -> None:
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        if _current(target) != expected:
            raise AssumeError(
                f"{target} changed while assume was editing it; nothing was written.",
                "Run the command again.",
            )
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(target.parent)


def _current(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable where the OS allows (POSIX; not every file system).

    The new file is already in place, so a failure here is no reason to report one.
    """
    if os.name != "posix":
        return
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)
