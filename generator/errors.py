"""Problems found in a build, and the exceptions that carry them.

A build gathers every problem of every stage before it stops; each problem names the source file and the line
where it stands, so that a legal officer can find and fix it. Messages meant for users are in French.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .caches import text_cache


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: its path (relative to the project when possible), line and column (1-based)."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f", ligne {self.line}"
            if self.column is not None:
                text += f", colonne {self.column}"
        return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content or a template, told in French, with where it stands."""

    location: Location
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        prefix = "attention : " if self.is_warning else ""
        return f"{self.location} : {prefix}{self.message}"


@dataclass
class Problems:
    """The problems gathered during a build, in the order they were found."""

    items: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str, *, is_warning: bool = False) -> None:
        self.items.append(Problem(location, message, is_warning))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.is_warning]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


class ParapheError(Exception):
    """Base of every error the engine raises on purpose."""


class BuildFailed(ParapheError):
    """The build stopped: its problems say why, and nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ContentError(BuildFailed):
    """The content of a contract is invalid (unreadable YAML, schema violations, missing files)."""


class TemplateProblem(BuildFailed):
    """A template cannot be rendered with the content (undefined variable, forbidden operation, syntax)."""


def display_path(path: Path) -> str:
    """Return the path relative to the current directory when it is below it, else as given."""
    return _display_path(str(path), os.getcwd())


@text_cache(maxsize=16384)
def _display_path(path: str, cwd: str) -> str:
    # absolute without resolving links (which touches the disk for each part of the path); getcwd() is real
    absolute = os.path.abspath(path)
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return absolute[len(cwd.rstrip(os.sep)) + 1:]
    return path
