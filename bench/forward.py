"""The forwarder alone: deliveries per second from a full outbox to the dev receiver.

    python bench/forward.py --events 20000                 # SQLite
    python bench/forward.py --events 20000 --db postgresql # a private PostgreSQL server

The outbox is filled before the forwarder starts (``--events`` order.created events, as the hook
stores them, for ``--shops`` shops), so what is measured is the forwarder and nothing of intake:
claiming, signing, posting to `shopforest fulfilment-dev` (a real process on loopback) and
settling. The forwarder runs in this process, as it runs in the hook's supervisor. Reported:
events per second until the receiver has every event and until the store has settled every one,
CPU seconds of this process, the receiver and the database, and whether each event reached the
receiver exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hook import SECRET, cpu_snapshot, free_port, wait_up  # noqa: E402  (bench/hook.py, beside this script)

from generator.hook.database import open_storage  # noqa: E402
from generator.hook.forwarder import Forwarder, RetryPolicy  # noqa: E402
from generator.hook.sqlstore import SqlStore  # noqa: E402


def fill(storage: SqlStore, events: int, shops: int) -> None:
    """``events`` pending order.created events, payloads shaped as the hook's, oldest first."""
    now = time.time() - 1
    rows = []
    for i in range(events):
        order_id = f"ord_{uuid.uuid4().hex[:16]}"
        event = {
            "type": "order.created",
            "timestamp": "2026-12-03T07:00:00Z",
            "data": {
                "order_id": order_id,
                "shop": f"shop{i % shops}",
                "items": [{"sku": "BB-1003", "qty": 1, "unit_price": "39.90", "line_total": "39.90"}],
                "total": "39.90",
                "currency": "CNY",
                "customer": {"name": "王女士", "phone": "13800000000", "address": "上海市徐汇区某路 1 号"},
            },
        }
        at = now + i * 1e-6
        rows.append((f"msg_{uuid.uuid4().hex}", order_id, "order.created", json.dumps(event, separators=(",", ":")), at, at))
    with storage._writing():
        for start in range(0, len(rows), 1000):
            storage._many(
                "INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)", rows[start : start + 1000]
            )


class Tail:
    """Counts the receiver's lines as they come, reading each byte once (polling the whole file
    would cost this process, which runs the forwarder, more CPU the longer the run)."""

    def __init__(self, jsonl: Path) -> None:
        self.jsonl = jsonl
        self.offset = 0
        self.lines = 0

    def count(self) -> int:
        if self.jsonl.is_file():
            with self.jsonl.open("rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
            self.offset += len(chunk)
            self.lines += chunk.count(b"\n")
        return self.lines


def received(jsonl: Path) -> list[str]:
    if not jsonl.is_file():
        return []
    lines = jsonl.read_text(encoding="utf-8").split("\n")[:-1]
    return [json.loads(line)["webhook_id"] for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--shops", type=int, default=1, help="events spread over this many shops (each shop's go in order)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopforest-fwdbench-"))
    receiver: subprocess.Popen[bytes] | None = None
    pg = None
    try:
        if args.db == "postgresql":
            from tests.pgserver import PgServer

            pg = PgServer().start()
            db = pg.create_database("bench")
        else:
            db = str(work / "orders.db")
        storage = open_storage(db)
        assert isinstance(storage, SqlStore)
        fill(storage, args.events, args.shops)
        port = free_port()
        jsonl = work / "fulfilment.jsonl"
        env = {**os.environ, "PYTHONPATH": str(REPO), "SHOPFOREST_WEBHOOK_SECRET": SECRET}
        log = work / "receiver.log"
        with log.open("wb") as out:
            receiver = subprocess.Popen(
                [sys.executable, "-m", "generator.cli", "fulfilment-dev", "--port", str(port), "--out", str(jsonl)], env=env, stdout=out, stderr=out
            )
        wait_up(f"http://127.0.0.1:{port}/health", receiver, log)
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0]) if pg is not None else None
        forwarder = Forwarder(storage, f"http://127.0.0.1:{port}/", SECRET, RetryPolicy(base=1.0))
        load = os.getloadavg()[0]
        before = cpu_snapshot(os.getpid(), receiver.pid, postmaster)
        started = time.perf_counter()
        thread = forwarder.start()
        got_all = settled_all = 0.0
        tail = Tail(jsonl)
        while time.perf_counter() - started < 600:
            if not got_all and tail.count() >= args.events:
                got_all = time.perf_counter() - started
            if got_all:
                pending = storage._count("outbox WHERE status <> 'delivered'")
                if pending == 0:
                    settled_all = time.perf_counter() - started
                    break
            time.sleep(0.05)
        forwarder.stop()
        thread.join(timeout=30)
        after = cpu_snapshot(os.getpid(), receiver.pid, postmaster)
        ids = received(jsonl)
        storage.close()
        cpu = {k: after[k] - before[k] for k in ("load client", "receiver", "database")}
        print("| events | shops | received, s | ev/s (received) | settled, s | forwarder CPU s | receiver CPU s | database CPU s | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        rate = args.events / got_all if got_all else 0.0
        print(
            f"| {args.events} | {args.shops} | {got_all:.2f} | {rate:,.0f} | {settled_all:.2f} | {cpu['load client']:.1f}"
            f" | {cpu['receiver']:.1f} | {cpu['database']:.1f} | {load:.2f} |"
        )
        print(f"received: {len(ids)}; distinct: {len(set(ids))}; exactly once: {len(ids) == len(set(ids)) == args.events}")
    finally:
        if receiver is not None:
            receiver.terminate()
            receiver.wait(timeout=30)
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
