"""The hook's log: one line per order at INFO, to standard error (for journald or a supervisor
to keep and rotate) or to a file.

With a file, the serving process rotates it at 10 MB and keeps five old ones; worker processes
(``hook serve --workers N``) append to the same file and reopen it when it has been rotated
(``WatchedFileHandler``). Each line is one append, so lines from several processes never mix.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

ROTATE_BYTES = 10 * 1024 * 1024
KEEP = 5
FORMAT = "%(asctime)s %(name)s %(message)s"


def start_logging(log_file: Path | None, *, rotates: bool = True) -> None:
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler()
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        if rotates:
            handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=ROTATE_BYTES, backupCount=KEEP, encoding="utf-8")
        else:
            handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    logging.basicConfig(level=logging.INFO, format=FORMAT, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
