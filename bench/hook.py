"""The checkout hook under load: orders per second, latency, and what reached fulfilment.

    python bench/hook.py                          # SQLite, concurrency 1, 8, 32, 64
    python bench/hook.py --db postgresql          # a private PostgreSQL server (Debian's binaries)
    python bench/hook.py --seconds 5 --concurrency 8,32
    python bench/hook.py --paced 0.8 --seconds 6   # the ceiling at 32 clients, then 80 % of it, paced
    python bench/hook.py --rate 800 --seconds 6    # 800 orders/s, paced
    python bench/hook.py --rate 300 --outage 60    # fulfilment down 60 s while orders come
    python bench/hook.py --paced 0.8 --outage 60 --shops 20   # a sale day: orders from 20 shops

Starts `shopforest hook serve` on the demo project with fulfilment pointed at `shopforest
fulfilment-dev`, both real processes on loopback, and drives the hook from this process with an
asyncio client on keep-alive connections (one per simulated customer, each posting orders back
to back). Each level runs for ``--seconds``; then every 201 is checked against the orders the
hook stored and against what fulfilment received once the forwarder has drained, and the lag
from the last 201 to its delivery is reported. The client runs on the same machine: on two
cores it takes a share of the CPU the hook would otherwise have.

Paced (``--paced F`` or ``--rate N``): orders go out on an open-loop schedule, order i at
start + i / rate, over up to ``--concurrency`` connections (one number; 32 by default), as a
sale day's customers come whether or not the hook is keeping up. ``--paced F`` first measures
the ceiling, back to back at that concurrency, and then sends at F times it. For each order the
delivery lag is the time fulfilment-dev got its event less the time its 201 came back (the same
clock: both on this machine), reported as p50, p99 and max.

``--outage S`` (paced): fulfilment-dev is stopped 2 s into the run and started again S seconds
later, and orders keep coming for ``--seconds`` after that; reported is how long after the
receiver was back the last order acknowledged before it arrived, and the CPU each group of
processes spent per event from then until that order arrived (where a drain's time goes).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
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

BODIES = itertools.cycle([json.dumps(ORDER).encode()])  # --shops N: the orders of N shops in turn


def shop_copies(content: Path, shops: int) -> list[str]:
    """``xiaomei`` and ``shops - 1`` copies of her shop: a sale day's orders come from many shops,
    and the forwarder delivers different shops' events side by side but one shop's in order."""
    names = ["xiaomei"] + [f"xiaomei-{i}" for i in range(2, shops + 1)]
    for name in names[1:]:
        shutil.copytree(content / "xiaomei", content / name)
    return names


@dataclass
class Level:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    rate: float = 0.0  # orders/s on an open-loop schedule; 0: back to back (closed loop)
    acked: dict[str, float] = field(default_factory=dict)  # order id → when its 201 came back
    lags: list[float] = field(default_factory=list)  # per order: delivered less acknowledged, s
    outage: float = 0.0  # seconds fulfilment is down, 2 s into the run
    recovered: float = 0.0  # when it was back (time.time())
    backlog: float = 0.0  # from then until the last order acknowledged before it arrived, s
    probed: float = 0.0  # from then until the first event arrived (the probe that found it back), s
    lag: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process group while the level ran
    load: float = 0.0  # the 1-minute load average when the level started
    at_recovery: dict[str, float] = field(default_factory=dict)  # CPU seconds by group when fulfilment was back
    drain_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by group from then until the backlog was through
    drained: int = 0  # events that arrived in that time
    drain_load: float = 0.0  # the 1-minute load average when the backlog was through
    pids: tuple[int, int, int | None] | None = None  # hook, receiver, database, once the receiver was started again
    receiver_stopped: float = 0.0  # CPU seconds of the receiver that was stopped, when it was

    def row(self) -> str:
        n = len(self.latencies)
        rate = len(self.created) / self.seconds
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(n - 1, int(n * 0.99))] * 1000 if ordered else 0.0
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return f"| {self.concurrency} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {len(self.created)} | {errors} | {self.lag:.1f} | {self.load:.1f} |"

    def paced_row(self) -> str:
        n = len(self.latencies)
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(n - 1, int(n * 0.99))] * 1000 if ordered else 0.0
        lags = sorted(self.lags)
        lag50 = statistics.median(lags) if lags else 0.0
        lag99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"| {self.concurrency} | {self.rate:,.0f} | {len(self.created) / self.seconds:,.0f} | {p50:.1f} | {p99:.1f} | {len(self.created)}"
            f" | {errors} | {lag50:.3f} | {lag99:.3f} | {max(lags, default=0.0):.3f} | {self.load:.1f} |"
        )

    def drain_row(self) -> str:
        per_event = {k: v / max(1, self.drained) * 1000 for k, v in self.drain_cpu.items()}
        return f"| {self.drained} | " + " | ".join(f"{per_event.get(k, 0.0):.3f}" for k in CPU_GROUPS) + f" | {self.drain_load:.1f} |"

    def cpu_row(self) -> str:
        per_order = {k: v / max(1, len(self.created)) * 1000 for k, v in self.cpu.items()}
        return f"| {self.concurrency} | " + " | ".join(f"{per_order.get(k, 0.0):.2f}" for k in CPU_GROUPS) + " |"


HEADER = (
    "| clients | orders/s (201) | p50 ms | p99 ms | orders | errors | delivery lag after the last 201, s | load |\n|---|---|---|---|---|---|---|---|"
)
PACED_HEADER = (
    "| clients | paced orders/s | orders/s (201) | p50 ms | p99 ms | orders | errors | delivery lag p50 s | p99 s | max s | load |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)
CPU_GROUPS = ("hook workers", "hook main (forwarder)", "database", "receiver", "load client", "rest of the machine")
CPU_HEADER = "| clients | " + " | ".join(CPU_GROUPS) + " |\n|---|" + "---|" * len(CPU_GROUPS)
DRAIN_HEADER = "| events | " + " | ".join(CPU_GROUPS) + " | load |\n|---|" + "---|" * (len(CPU_GROUPS) + 1)
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


class Client:
    """One simulated customer's keep-alive connection. When the hook has closed it (its idle
    keep-alive timeout, between levels or in a paced run's quiet moment), the order is sent
    again on a new connection with the same Idempotency-Key, which makes the second try safe
    even if the first reached the hook."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = False  # the connection carried a whole exchange before

    async def post(self, body: bytes) -> tuple[str, bytes]:
        """The status and body of the answer to one order; raises when the hook drops a fresh
        connection too."""
        head = (
            f"POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.used = False
            assert self.reader is not None
            reused = self.used
            try:
                self.writer.write(head + body)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the hook")
                length, closing = 0, False
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    lower = line.lower()
                    if lower.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                    elif lower.startswith(b"connection:") and b"close" in lower:
                        closing = True
                answer = await self.reader.readexactly(length)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if reused and attempt == 0:
                    continue
                raise
            self.used = True
            if closing:
                self.close()
            return status_line.split(b" ")[1].decode(), answer
        raise AssertionError("unreachable")  # the second try returns or raises

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def order(client: Client, level: Level, due: float | None = None) -> bool:
    """Send one order and count its answer; False when the hook could not be reached. Its
    latency counts from ``due`` when it was scheduled (and went late), else from now."""
    body = next(BODIES)
    started = time.perf_counter() if due is None else due
    try:
        status, answer = await client.post(body)
    except (ConnectionError, asyncio.IncompleteReadError):
        # the hook dropped a fresh connection mid-answer: counted, never a traceback that loses
        # the level's figures (the order in flight is checked like any other against what was stored)
        level.errors["reset"] = level.errors.get("reset", 0) + 1
        return False
    level.latencies.append(time.perf_counter() - started)
    if status == "201":
        order_id = json.loads(answer)["order_id"]
        level.created.append(order_id)
        level.acked[order_id] = time.time()  # the receiver stamps its arrival on the same clock
    else:
        level.errors[status] = level.errors.get(status, 0) + 1
    return True


async def customer(port: int, level: Level, stop: float) -> None:
    """One keep-alive connection posting orders back to back until ``stop``."""
    client = Client(port)
    try:
        while time.perf_counter() < stop:
            if not await order(client, level):
                return
    finally:
        client.close()


async def drive(port: int, level: Level, receiver: Receiver | None = None, pids: tuple[int, int, int | None] | None = None) -> None:
    if level.rate:
        if level.outage and receiver is not None:
            await asyncio.gather(drive_paced(port, level), outage(level, receiver, pids))
        else:
            await drive_paced(port, level)
        return
    stop = time.perf_counter() + level.seconds
    await asyncio.gather(*(customer(port, level, stop) for _ in range(level.concurrency)))


async def outage(level: Level, receiver: Receiver, pids: tuple[int, int, int | None] | None) -> None:
    await asyncio.sleep(2.0)
    if pids is not None:
        level.receiver_stopped = (await asyncio.to_thread(cpu_snapshot, *pids))["receiver"]
    await asyncio.to_thread(receiver.stop)
    await asyncio.sleep(level.outage)
    await asyncio.to_thread(receiver.start)
    level.recovered = time.time()
    if pids is not None:  # the receiver's process is a new one: the snapshots must name it
        pids = (pids[0], receiver.proc.pid if receiver.proc else 0, pids[2])
        level.pids = pids
        level.at_recovery = await asyncio.to_thread(cpu_snapshot, *pids)


class Receiver:
    """fulfilment-dev, started again on the same port and file after an outage."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.command, self.env, self.port, self.log = command, env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=out)
        wait_up(f"http://127.0.0.1:{self.port}/health", self.proc, self.log)
        return self.proc

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


async def drive_paced(port: int, level: Level) -> None:
    """Open loop: order i is due at start + i / rate, whether or not the earlier ones have been
    answered, with up to ``concurrency`` orders in flight. Past that an order waits for a free
    connection and goes late, and its latency counts from when it was due."""
    idle: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(level.concurrency):
        idle.put_nowait(Client(port))
    tasks: set[asyncio.Task[bool]] = set()

    async def one(client: Client, due: float) -> bool:
        try:
            return await order(client, level, due)
        finally:
            idle.put_nowait(client)

    start = time.perf_counter()
    for i in range(int(level.seconds * level.rate)):
        due = start + i / level.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(await idle.get(), due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().close()


class Tail:
    """What the receiver has got so far (order id → the time it arrived), read from its JSON
    Lines file a new line at a time, so that waiting for the forwarder does not take the CPU it
    is waiting for."""

    def __init__(self, jsonl: Path) -> None:
        self.jsonl = jsonl
        self.offset = 0
        self.arrived: dict[str, float] = {}
        self.new: list[str] = []  # the orders the last read found
        self.repeated = 0  # orders that arrived more than once (as different events)

    def read(self) -> dict[str, float]:
        self.new = []
        if self.jsonl.is_file():
            with self.jsonl.open("rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
            whole = chunk[: chunk.rfind(b"\n") + 1]  # the last line may be half written
            self.offset += len(whole)
            for line in whole.splitlines():
                if line.strip():
                    record = json.loads(line)
                    order_id = record["event"]["data"]["order_id"]
                    self.new.append(order_id)
                    self.repeated += order_id in self.arrived
                    self.arrived.setdefault(order_id, float(record.get("received_at", 0.0)))
        return self.arrived


def receiver_duplicates(port: int) -> int:
    """Deliveries the receiver de-duplicated (a webhook-id it had): sent again, never applied twice."""
    return int(httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json().get("duplicates", 0))


def run_level(level: Level, hook_port: int, tail: Tail, pids: tuple[int, int, int | None], receiver: Receiver | None = None) -> None:
    """Drive one level, then wait for the forwarder to deliver all its 201s."""
    level.load = os.getloadavg()[0]
    before = cpu_snapshot(*pids)
    asyncio.run(drive(hook_port, level, receiver, pids))
    after = cpu_snapshot(*(level.pids or pids))
    level.cpu = {k: after[k] - before[k] for k in after}
    if level.pids:  # the receiver was stopped and started again: both processes' shares
        level.cpu["receiver"] = level.receiver_stopped - before["receiver"] + after["receiver"]
    last = time.perf_counter()
    wanted = set(level.created)
    # The backlog: orders acknowledged before the receiver was back. When the last of them has
    # arrived, the CPU each group spent on the drain since then is taken (per event delivered).
    backlog = {o for o, at in level.acked.items() if at < level.recovered} if level.at_recovery else set()
    backlog -= tail.read().keys()
    while not wanted <= tail.read().keys() and time.perf_counter() - last < 600:
        if backlog:
            backlog.difference_update(tail.new)
            if not backlog:
                through = cpu_snapshot(*(level.pids or pids))
                level.drain_cpu = {k: through[k] - level.at_recovery[k] for k in through}
                level.drained = sum(1 for t in tail.arrived.values() if t >= level.recovered)
                level.drain_load = os.getloadavg()[0]
        time.sleep(0.05)
    level.lag = time.perf_counter() - last
    arrived = tail.read()
    level.lags = [arrived[o] - level.acked[o] for o in level.created if o in arrived]
    if level.recovered:
        waited = [arrived.get(o, float("inf")) for o, at in level.acked.items() if at < level.recovered]
        level.backlog = max(waited, default=level.recovered) - level.recovered
        level.probed = min((t for t in arrived.values() if t >= level.recovered), default=level.recovered) - level.recovered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", help="comma-separated numbers of simultaneous clients [1,8,32,64; paced: 32]")
    parser.add_argument("--seconds", type=float, default=10.0, help="per level")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--paced", type=float, metavar="F", help="measure the ceiling, then send at F times it on a schedule")
    pace.add_argument("--rate", type=float, metavar="N", help="send N orders/s on a schedule")
    parser.add_argument("--outage", type=float, default=0.0, metavar="S", help="paced: stop fulfilment-dev for S seconds, 2 s into the run")
    parser.add_argument("--shops", type=int, default=1, help="orders come from this many shops in turn (copies of the demo's xiaomei) [1]")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (the hook's and receiver's logs) and print its path")
    parser.add_argument("--hook-arg", action="append", default=[], help="an extra argument for `hook serve` (repeatable)")
    args = parser.parse_args()
    paced = args.paced is not None or args.rate is not None
    concurrency = [int(c) for c in (args.concurrency or ("32" if paced else "1,8,32,64")).split(",")]
    if paced and len(concurrency) != 1:
        parser.error("a paced run takes one --concurrency")
    if args.outage and not paced:
        parser.error("--outage goes with --paced or --rate")
    levels = [Level(c, args.seconds) for c in concurrency] if args.rate is None else []
    work = Path(tempfile.mkdtemp(prefix="shopforest-hookbench-"))
    procs: list[subprocess.Popen[bytes]] = []
    receiver: Receiver | None = None
    pg = None
    try:
        project = work / "project"
        project.mkdir()
        shutil.copy2(REPO / "catalog.yaml", project / "catalog.yaml")
        for name in ("content", "images", "themes"):
            shutil.copytree(REPO / name, project / name)
        global BODIES
        BODIES = itertools.cycle([json.dumps({**ORDER, "shop": name}).encode() for name in shop_copies(project / "content", args.shops)])
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
        receiver = Receiver([*cli, "fulfilment-dev", "--port", str(recv_port), "--out", str(jsonl)], env, recv_port, recv_log)
        receiver.start()
        serve = [*cli, "hook", "serve", "--project", str(project), "--port", str(hook_port), "--db", db]
        serve += ["--fulfilment-url", f"http://127.0.0.1:{recv_port}/", "--rate", "1000000", "--burst", "1000000", *args.hook_arg]
        with hook_log.open("wb") as out:
            procs.append(subprocess.Popen(serve, env=env, stdout=out, stderr=out))
        wait_up(f"http://127.0.0.1:{hook_port}/health", procs[-1], hook_log)
        print(f"hook: {' '.join(serve[2:])}", flush=True)
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0]) if pg is not None else None
        pids = (procs[0].pid, receiver.proc.pid if receiver.proc else 0, postmaster)
        tail = Tail(jsonl)
        if levels:
            print(HEADER, flush=True)
        for level in levels:
            run_level(level, hook_port, tail, pids)
            print(level.row(), flush=True)
        if paced:
            rate = args.rate
            if args.paced is not None:
                ceiling = len(levels[0].created) / levels[0].seconds
                rate = args.paced * ceiling
                print(f"\nceiling at {concurrency[0]} clients: {ceiling:,.0f} orders/s; paced at {args.paced:.0%} of it")
            level = Level(concurrency[0], args.seconds + (args.outage + 2.0 if args.outage else 0.0), rate=rate, outage=args.outage)
            print(f"\n{PACED_HEADER}", flush=True)
            run_level(level, hook_port, tail, pids, receiver)
            print(level.paced_row(), flush=True)
            if args.outage:
                print(
                    f"\nfulfilment down {args.outage:.0f} s: the last order acknowledged before it was back arrived {level.backlog:.1f} s after"
                    f" (the first event {level.probed:.1f} s after: the probe that found it back)"
                )
            levels.append(level)
        everything = {o for level in levels for o in level.created}
        got = tail.read().keys()
        sys.path.insert(0, str(REPO))
        from generator.hook.database import open_storage

        storage = open_storage(db)
        stored = {o["order_id"] for o in storage.orders(10**7)}
        storage.close()
        print("\nCPU ms per stored order while each level ran (both cores: 2,000 ms a second in all):\n")
        print(CPU_HEADER)
        for level in levels:
            print(level.cpu_row())
        for level in levels:
            if level.drain_cpu:
                print("\nCPU ms per event that arrived from the receiver's return until the backlog was through:\n")
                print(DRAIN_HEADER)
                print(level.drain_row())
        print(f"\n201s: {len(everything)}; stored: {len(stored)}; delivered: {len(got)}")
        print(f"every 201 stored: {everything <= stored}; every 201 delivered: {everything <= got}")
        print(
            f"delivered exactly once: {everything <= got and tail.repeated == 0} (orders that arrived twice: {tail.repeated};"
            f" deliveries the receiver de-duplicated: {receiver_duplicates(recv_port)})"
        )
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
        if receiver is not None:
            receiver.stop()
        if pg is not None:
            pg.stop()
        if args.keep:
            print(f"\nkept: {work} (hook.log, receiver.log, fulfilment.jsonl)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
