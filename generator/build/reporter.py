"""Build events go to a reporter, never to print(): the CLI shows them, tests record them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Diagnostic
from ..messages import ENGLISH, msg, msgs, tr


@dataclass
class BuildStats:
    shops: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0  # outputs not even rendered, because nothing they are made from changed
    warnings: int = 0
    seconds: float = 0.0
    broken: int = 0  # shops left as they were because of mistakes in their folders
    images: int = 0  # pictures made into resized copies (build/images.py); 0 when all were kept
    image_seconds: float = 0.0
    spliced: int = 0  # of those written, the grid pages made from their last bytes (pages/splice.py)

    @property
    def pages_per_second(self) -> float:
        return (self.written + self.unchanged + self.skipped) / self.seconds if self.seconds else 0.0

    def summary(self, locale: str = ENGLISH) -> str:
        """One line: what the build did, in ``locale``'s language (the command line's)."""
        parts = [
            msgs("1 shop", "{n} shops", self.shops),
            msg(
                "{written} written, {unchanged} unchanged, {removed} removed, {skipped} skipped",
                written=self.written,
                unchanged=self.unchanged,
                removed=self.removed,
                skipped=self.skipped,
            ),
            msgs("1 warning in {seconds:.2f}s", "{n} warnings in {seconds:.2f}s", self.warnings, seconds=self.seconds),
        ]
        line = tr(msg("{shops}, {counts}, {warnings}", shops=parts[0], counts=parts[1], warnings=parts[2]), locale)
        if self.seconds and self.written:
            line += tr(msg(" ({rate:,.0f} pages/s)", rate=self.pages_per_second), locale)
        if self.images:
            line += tr(
                msgs("; 1 picture resized in {seconds:.2f}s", "; {n} pictures resized in {seconds:.2f}s", self.images, seconds=self.image_seconds),
                locale,
            )
        if self.broken:
            line += tr(msgs("; 1 shop with mistakes left as before", "; {n} shops with mistakes left as before", self.broken), locale)
        return line


class Reporter:
    """Does nothing; subclass to show or record what happens."""

    def start(self, shops: int) -> None:
        pass

    def shop_done(self, shop_id: str, pages: int = 0) -> None:
        """``pages``: the outputs of the shop, written or found unchanged."""

    def warning(self, warning: Diagnostic) -> None:
        pass

    def finish(self, stats: BuildStats) -> None:
        pass


@dataclass
class RecordingReporter(Reporter):
    events: list[tuple[str, str]] = field(default_factory=list)
    stats: BuildStats | None = None

    def shop_done(self, shop_id: str, pages: int = 0) -> None:
        self.events.append(("shop", shop_id))

    def warning(self, warning: Diagnostic) -> None:
        self.events.append(("warning", str(warning)))

    def finish(self, stats: BuildStats) -> None:
        self.stats = stats
