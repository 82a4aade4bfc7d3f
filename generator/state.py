"""Build state between runs (Lektor's model, STYLE example 4): for every output, a key of
everything it was made from, the template files its render loaded, and the bytes it produced.

Lives in ``.shopforest/`` at the project root, never inside site/. A missing, old or corrupt
state means a full build, never a wrong one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__

STATE_DIR = ".shopforest"
FORMAT = 2


@dataclass
class FileEntry:
    key: str  # hash of what the output was made from (view + template name, or bytes)
    sha: str  # hash of the bytes written
    size: int
    deps: dict[str, str] = field(default_factory=dict)  # template file -> its sha256 when rendered

    def as_json(self) -> list[Any]:
        return [self.key, self.sha, self.size, self.deps]

    @classmethod
    def from_json(cls, data: list[Any]) -> FileEntry:
        key, sha, size, deps = data
        return cls(str(key), str(sha), int(size), {str(k): str(v) for k, v in deps.items()})


@dataclass
class ShopEntry:
    fingerprint: str  # hash of everything the shop's outputs can depend on
    files: dict[str, FileEntry] = field(default_factory=dict)


@dataclass
class BuildState:
    settings: str
    shops: dict[str, ShopEntry] = field(default_factory=dict)


def settings_key(out: Path) -> str:
    """What invalidates every output at once: the generator version and the state format."""
    return f"{__version__}/{FORMAT}"


def state_path(root: Path, out: Path) -> Path:
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return root / STATE_DIR / f"state-{name}.json"


def load_state(root: Path, out: Path) -> BuildState:
    settings = settings_key(out)
    path = state_path(root, out)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("settings") != settings:
            return BuildState(settings)
        shops = {
            shop_id: ShopEntry(str(s["fingerprint"]), {p: FileEntry.from_json(e) for p, e in s["files"].items()})
            for shop_id, s in raw["shops"].items()
        }
        return BuildState(settings, shops)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return BuildState(settings)  # missing or corrupt: build everything


def save_state(root: Path, out: Path, state: BuildState) -> None:
    data = {
        "settings": state.settings,
        "shops": {
            shop_id: {"fingerprint": s.fingerprint, "files": {p: e.as_json() for p, e in sorted(s.files.items())}}
            for shop_id, s in sorted(state.shops.items())
        },
    }
    atomic_dump(state_path(root, out), json.dumps(data, separators=(",", ":")).encode())


def atomic_dump(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
