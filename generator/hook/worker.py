"""The hook app as each worker process makes it, when ``hook serve --workers N`` runs several:
uvicorn's supervisor starts the processes, and each calls :func:`create` with the settings the
command put in the environment. The forwarder is not here: it runs once, in the supervisor."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from starlette.applications import Starlette

from .app import create_app
from .database import open_storage
from .logs import start_logging

SETTINGS = "SHOPFOREST_HOOK_WORKER"


def settings(project: Path, db: str, rate: float, burst: int, clicks_per_day: int, log_file: Path | None) -> str:
    log = str(log_file.resolve()) if log_file is not None else None
    return json.dumps({"project": str(project), "db": db, "rate": rate, "burst": burst, "clicks_per_day": clicks_per_day, "log_file": log})


def die_with_parent() -> None:
    """A worker must not outlive its supervisor: killed with it (as a container or a SIGKILL of
    the service kills everything), it frees the port for the next start. Linux's
    PR_SET_PDEATHSIG; elsewhere the supervisor's own shutdown stops the workers."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the supervisor died before we asked
        os._exit(1)


def create() -> Starlette:
    die_with_parent()
    s = json.loads(os.environ[SETTINGS])
    start_logging(Path(s["log_file"]) if s["log_file"] else None, rotates=False)  # the supervisor rotates
    storage = open_storage(s["db"])
    return create_app(Path(s["project"]), storage, rate=s["rate"], burst=s["burst"], clicks_per_day=s["clicks_per_day"])
