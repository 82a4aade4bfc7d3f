"""Build events go to a reporter, never to print(): the CLI shows them, tests record them."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def pages_per_second(self) -> float:
        return (self.written + self.unchanged + self.skipped) / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"{self.shops} shop{'s' if self.shops != 1 else ''}, {self.written} written, "
            f"{self.unchanged} unchanged, {self.removed} removed, {self.skipped} skipped, {self.warnings} warning"
            f"{'s' if self.warnings != 1 else ''} in {self.seconds:.2f}s"
            + (f" ({self.pages_per_second:,.0f} pages/s)" if self.seconds and self.written else "")
            + (f"; {self.images} picture{'s' if self.images != 1 else ''} resized in {self.image_seconds:.2f}s" if self.images else "")
            + (f"; {self.broken} shop{'s' if self.broken != 1 else ''} with mistakes left as before" if self.broken else "")
        )


class Reporter:
    """Does nothing; subclass to show or record what happens."""

    def start(self, shops: int) -> None:
        pass

    def shop_done(self, shop_id: str, pages: int = 0) -> None:
        """``pages``: the outputs of the shop, written or found unchanged."""

    def warning(self, message: str) -> None:
        pass

    def finish(self, stats: BuildStats) -> None:
        pass


@dataclass
class RecordingReporter(Reporter):
    events: list[tuple[str, str]] = field(default_factory=list)
    stats: BuildStats | None = None

    def shop_done(self, shop_id: str, pages: int = 0) -> None:
        self.events.append(("shop", shop_id))

    def warning(self, message: str) -> None:
        self.events.append(("warning", message))

    def finish(self, stats: BuildStats) -> None:
        self.stats = stats
