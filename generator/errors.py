"""Diagnostics a user can fix: ``path:line:col: message``, collected and reported all at once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One mistake in the project, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass
class Diagnostics:
    """An ordered bag of diagnostics; stages add to it and the build aborts once at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int, col: int, message: str) -> None:
        self.items.append(Diagnostic(path, line, col, message))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items))


class ContentError(Exception):
    """The project's content has mistakes; nothing was written."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(d) for d in self.diagnostics]
        n = len(self.diagnostics)
        lines.append(f"{n} error{'s' if n != 1 else ''}")
        return "\n".join(lines)


class TemplateError(Exception):
    """A theme template failed; the message names the template file and line."""

    exit_code = 1


class UsageError(Exception):
    """The command was asked something impossible (unknown shop, bad option value)."""

    exit_code = 2
