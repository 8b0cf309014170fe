"""Timing whole processes, and describing the machine they ran on.

Each run is one child process: wall time from just before ``Popen`` to the return of
``os.wait4`` on that child, and the child's own peak resident set size from the ``rusage``
that ``wait4`` returns for it (``ru_maxrss``, KiB on Linux) — not ``RUSAGE_CHILDREN``, which
is the maximum over every child reaped so far. CPU time (user + system, all threads) comes from
the same ``rusage``: unlike wall time it hardly moves when other work shares the machine.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    """One process: wall and CPU seconds, peak RSS in MiB, exit code, and what it printed."""

    wall: float
    cpu: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Stats:
    """Repetitions of one case."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.walls.append(run.wall)
        self.cpus.append(run.cpu)
        self.peaks.append(run.peak_mib)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def minimum(self) -> float:
        return min(self.walls)

    @property
    def peak(self) -> float:
        return max(self.peaks)


def run_process(argv: list[str], cwd: Path, env: dict[str, str] | None = None, scratch: Path | None = None) -> Run:
    """Run ``argv`` to completion and measure it (its output goes to files in ``scratch``, then is read back)."""
    scratch = scratch or cwd
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4: tell Popen so it does not try again
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        returncode=code,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


def _meminfo_mib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> list[float]:
    """The 1, 5 and 15-minute load averages: other work on the machine shows here."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def machine() -> dict[str, object]:
    """Cores, memory, CPU and OS: no host names, no paths."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = _meminfo_mib()
    return {
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(mem / 1024, 1) if mem else None,
        "os": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
    }
