"""Watching the project's files (``build --watch``, ``serve``): which paths changed since the
last build, told by the operating system's file events (watchdog), a burst at a time.

What a build reads is watched: catalog.yaml, content/, themes/ and images/. Editors' backup
and swap files (``~``, dot files) are not. A folder's listing changing is not a change of its
own: what was added or removed in it has its own event. The paths go to the build that stays
running (build/resident.py), which builds one owner's shop alone when only her folder changed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

WATCHED = ("catalog.yaml", "content", "themes", "images")


class Changes:
    """The changed paths of the project at ``root`` since they were last taken."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved = root.resolve()
        self._paths: set[str] | None = set()  # None: changes not known path by path
        self._lock = threading.Lock()
        self._pending = threading.Event()

    def relevant(self, path: str) -> bool:
        try:
            parts = Path(path).resolve().relative_to(self._resolved).parts
        except ValueError:
            return False
        if not parts or parts[0] not in WATCHED:
            return False
        return not any(p.startswith(".") or p.endswith("~") for p in parts)

    def add(self, paths: list[str] | None = None) -> None:
        """``paths`` changed (None: something did, where is not known)."""
        with self._lock:
            if paths is None or self._paths is None:
                self._paths = None
            else:
                self._paths.update(paths)
        self._pending.set()

    def take(self) -> set[str] | None:
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths

    def wait(self, stop: threading.Event, debounce: float = 0.25) -> bool:
        """Block until a burst of changes is over (no new one for ``debounce`` seconds); False
        once ``stop`` is set."""
        while not stop.is_set():
            if not self._pending.wait(timeout=0.5):
                continue
            while self._pending.is_set():
                self._pending.clear()
                if stop.wait(debounce):
                    return False
            return True
        return False

    def observe(self) -> Any:
        """A started watchdog observer adding what changes here (stop and join it when done)."""
        handler = _Handler(self)
        observer = Observer()
        observer.schedule(handler, str(self.root), recursive=False)
        for name in WATCHED[1:]:
            if (self.root / name).is_dir():
                observer.schedule(handler, str(self.root / name), recursive=True)
        observer.daemon = True
        observer.start()
        return observer


class _Handler(FileSystemEventHandler):
    def __init__(self, changes: Changes) -> None:
        self.changes = changes

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's listing changed: what changed in it has an event of its own
        paths = [str(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if any(self.changes.relevant(p) for p in paths):
            self.changes.add(paths)
