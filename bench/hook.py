"""The checkout hook under load: orders per second, latency, and what reached fulfilment.

    python bench/hook.py                          # SQLite, concurrency 1, 8, 32, 64
    python bench/hook.py --db postgresql          # a private PostgreSQL server (Debian's binaries)
    python bench/hook.py --seconds 5 --concurrency 8,32

Starts `shopforest hook serve` on the demo project with fulfilment pointed at `shopforest
fulfilment-dev`, both real processes on loopback, and drives the hook from this process with an
asyncio client on keep-alive connections (one per simulated customer, each posting orders back
to back). Each level runs for ``--seconds``; then every 201 is checked against the orders the
hook stored and against what fulfilment received once the forwarder has drained, and the lag
from the last 201 to its delivery is reported. The client runs on the same machine: on two
cores it takes a share of the CPU the hook would otherwise have.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"shopforest-bench-secret-0123456").decode()
ORDER = {
    "shop": "xiaomei",
    "items": [{"sku": "BB-1003", "qty": 1, "unit_price": "39.90"}],
    "customer": {"name": "王女士", "phone": "13800000000", "address": "上海市徐汇区某路 1 号"},
    "attribution": {"lid": "Ab3_x", "channel": "wechat"},
}


@dataclass
class Level:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lag: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process group while the level ran
    load: float = 0.0  # the 1-minute load average when the level started

    def row(self) -> str:
        n = len(self.latencies)
        rate = len(self.created) / self.seconds
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(n - 1, int(n * 0.99))] * 1000 if ordered else 0.0
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return f"| {self.concurrency} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {len(self.created)} | {errors} | {self.lag:.1f} | {self.load:.1f} |"

    def cpu_row(self) -> str:
        per_order = {k: v / max(1, len(self.created)) * 1000 for k, v in self.cpu.items()}
        return f"| {self.concurrency} | " + " | ".join(f"{per_order.get(k, 0.0):.2f}" for k in CPU_GROUPS) + " |"


HEADER = (
    "| clients | orders/s (201) | p50 ms | p99 ms | orders | errors | delivery lag after the last 201, s | load |\n|---|---|---|---|---|---|---|---|"
)
CPU_GROUPS = ("hook workers", "hook main (forwarder)", "database", "receiver", "load client", "rest of the machine")
CPU_HEADER = "| clients | " + " | ".join(CPU_GROUPS) + " |\n|---|" + "---|" * len(CPU_GROUPS)
TICK = os.sysconf("SC_CLK_TCK")


def process_cpu() -> tuple[dict[int, int], dict[int, float]]:
    """Every process's parent and CPU seconds (user + system), from /proc (Linux)."""
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    return parents, seconds


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK  # less idle and iowait


def tree(root: int, parents: dict[int, int]) -> set[int]:
    found = {root}
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        grew = bool(more)
        found |= more
    return found


def cpu_snapshot(hook: int, receiver: int, database: int | None) -> dict[str, float]:
    """CPU seconds so far of each group of processes the benchmark runs (CPU_GROUPS)."""
    parents, seconds = process_cpu()
    workers = tree(hook, parents) - {hook}
    times = os.times()
    out = {
        "hook workers": sum(seconds.get(p, 0.0) for p in workers),
        "hook main (forwarder)": seconds.get(hook, 0.0),
        "database": sum(seconds.get(p, 0.0) for p in tree(database, parents)) if database else 0.0,
        "receiver": sum(seconds.get(p, 0.0) for p in tree(receiver, parents)),
        "load client": times.user + times.system,
    }
    out["rest of the machine"] = machine_busy() - sum(out.values())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url} exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start: {log.read_text(errors='replace')}")


async def customer(port: int, level: Level, stop: float) -> None:
    """One keep-alive connection posting orders back to back until ``stop``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps(ORDER).encode()
    try:
        while time.perf_counter() < stop:
            head = (
                f"POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            answer = await reader.readexactly(length)
            level.latencies.append(time.perf_counter() - started)
            status = status_line.split(b" ")[1].decode() if status_line else "closed"
            if status == "201":
                level.created.append(json.loads(answer)["order_id"])
            else:
                level.errors[status] = level.errors.get(status, 0) + 1
                if status == "closed":
                    return
    except (ConnectionError, asyncio.IncompleteReadError):
        # the hook dropped the connection mid-answer: counted, never a traceback that loses the
        # level's figures (the order in flight is checked like any other against what was stored)
        level.errors["reset"] = level.errors.get("reset", 0) + 1
    finally:
        writer.close()


async def drive(port: int, level: Level) -> None:
    stop = time.perf_counter() + level.seconds
    await asyncio.gather(*(customer(port, level, stop) for _ in range(level.concurrency)))


def delivered(jsonl: Path) -> set[str]:
    if not jsonl.is_file():
        return set()
    lines = jsonl.read_text(encoding="utf-8").split("\n")[:-1]  # the last line may be half written
    return {json.loads(line)["event"]["data"]["order_id"] for line in lines if line.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", default="1,8,32,64", help="comma-separated numbers of simultaneous clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="per level")
    parser.add_argument("--hook-arg", action="append", default=[], help="an extra argument for `hook serve` (repeatable)")
    args = parser.parse_args()
    levels = [Level(int(c), args.seconds) for c in args.concurrency.split(",")]
    work = Path(tempfile.mkdtemp(prefix="shopforest-hookbench-"))
    procs: list[subprocess.Popen[bytes]] = []
    pg = None
    try:
        project = work / "project"
        project.mkdir()
        shutil.copy2(REPO / "catalog.yaml", project / "catalog.yaml")
        for name in ("content", "images", "themes"):
            shutil.copytree(REPO / name, project / name)
        if args.db == "postgresql":
            sys.path.insert(0, str(REPO))
            from tests.pgserver import PgServer

            pg = PgServer().start()
            db = pg.create_database("bench")
        else:
            db = str(work / "orders.db")
        hook_port, recv_port = free_port(), free_port()
        jsonl = work / "fulfilment.jsonl"
        env = {**os.environ, "PYTHONPATH": str(REPO), "SHOPFOREST_WEBHOOK_SECRET": SECRET}
        cli = [sys.executable, "-m", "generator.cli"]
        recv_log, hook_log = work / "receiver.log", work / "hook.log"
        with recv_log.open("wb") as out:
            procs.append(subprocess.Popen([*cli, "fulfilment-dev", "--port", str(recv_port), "--out", str(jsonl)], env=env, stdout=out, stderr=out))
        wait_up(f"http://127.0.0.1:{recv_port}/health", procs[-1], recv_log)
        serve = [*cli, "hook", "serve", "--project", str(project), "--port", str(hook_port), "--db", db]
        serve += ["--fulfilment-url", f"http://127.0.0.1:{recv_port}/", "--rate", "1000000", "--burst", "1000000", *args.hook_arg]
        with hook_log.open("wb") as out:
            procs.append(subprocess.Popen(serve, env=env, stdout=out, stderr=out))
        wait_up(f"http://127.0.0.1:{hook_port}/health", procs[-1], hook_log)
        print(f"hook: {' '.join(serve[2:])}", flush=True)
        print(HEADER, flush=True)
        everything: set[str] = set()
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0]) if pg is not None else None
        for level in levels:
            level.load = os.getloadavg()[0]
            before = cpu_snapshot(procs[1].pid, procs[0].pid, postmaster)
            asyncio.run(drive(hook_port, level))
            after = cpu_snapshot(procs[1].pid, procs[0].pid, postmaster)
            level.cpu = {k: after[k] - before[k] for k in after}
            last = time.perf_counter()
            wanted = set(level.created)
            everything |= wanted
            while not wanted <= delivered(jsonl) and time.perf_counter() - last < 120:
                time.sleep(0.05)
            level.lag = time.perf_counter() - last
            print(level.row(), flush=True)
        got = delivered(jsonl)
        sys.path.insert(0, str(REPO))
        from generator.hook.database import open_storage

        storage = open_storage(db)
        stored = {o["order_id"] for o in storage.orders(10**7)}
        storage.close()
        print("\nCPU ms per stored order while each level ran (both cores: 2,000 ms a second in all):\n")
        print(CPU_HEADER)
        for level in levels:
            print(level.cpu_row())
        print(f"\n201s: {len(everything)}; stored: {len(stored)}; delivered: {len(got)}")
        print(f"every 201 stored: {everything <= stored}; every 201 delivered: {everything <= got}")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
