"""The small harness every benchmark shares, built on ``nt.benchmark``.

- ``Table``: rows of (case, variant, timing); ratios against a named baseline
  measured in the same run; printed and written as Markdown.
- ``machine()``: CPU, cores and library versions, recorded beside the numbers.
- ``write_section(name, text)``: replaces this benchmark's section of RESULTS.md.
"""

import os
import platform
import re
import statistics
import sys
import time

import namedtensor as nt

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
QUICK = os.environ.get("BENCH_QUICK") == "1"  # fewer repeats, for a smoke run


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    import jax
    import numpy
    import opt_einsum
    versions = f"python {platform.python_version()}, numpy {numpy.__version__}, " \
               f"jax {jax.__version__}, opt_einsum {opt_einsum.__version__}"
    try:
        import torch
        versions += f", torch {torch.__version__}"
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {nt.default_device()}; {versions}"


fmt = nt.BenchmarkResult.format


class Table:
    """Timings of several variants per case, with ratios to a baseline variant."""

    def __init__(self, title, baseline):
        self.title, self.baseline, self.rows = title, baseline, []

    def time(self, case, variant, fn, *args, warmup=5, repeat=100, number=1):
        if QUICK:
            warmup, repeat = min(warmup, 2), max(3, repeat // 10)
        r = nt.benchmark(fn, *args, warmup=warmup, repeat=repeat, number=number)
        self.rows.append((case, variant, r))
        print(f"  {case:<34} {variant:<28} {r}", flush=True)
        return r

    def compare(self, case, variants, warmup=5, repeat=100, number=1, settle=None):
        """Time several variants of one case with their samples interleaved (A B A B ...),
        so that a burst of noise on the machine lands on every variant alike.

        ``settle``: seconds of untimed pause after each sample; by default 10 ms when
        PyTorch is loaded. Its OpenMP threads keep spinning for a few milliseconds after a
        call, and took 23% more time from a JAX LSTM run right after one on 2 cores."""
        if QUICK:
            warmup, repeat = min(warmup, 2), max(3, repeat // 10)
        if settle is None:
            settle = 0.01 if "torch" in sys.modules else 0.0
        samples = {v: [] for v in variants}
        for fn in variants.values():
            nt.benchmark(fn, warmup=warmup, repeat=1)
        for _ in range(repeat):
            for v, fn in variants.items():
                samples[v] += nt.benchmark(fn, warmup=0, repeat=1, number=number).times
                if settle:
                    time.sleep(settle)
        for v, times in samples.items():
            r = nt.BenchmarkResult(statistics.median(times), min(times), max(times), tuple(times))
            self.rows.append((case, v, r))
            print(f"  {case:<34} {v:<28} {r}", flush=True)

    def summary(self, variant, target):
        """A Markdown line ``- case: **r×**`` per case (``variant`` against the baseline),
        each also printed with the target."""
        print(f"\nratios ({variant} / {self.baseline}; target <= {target}):")
        lines = []
        for case in dict.fromkeys(c for c, _, _ in self.rows):
            ratio = self.ratio(case, variant)
            lines.append(f"- {case}: **{ratio:.2f}×**")
            print(f"  {case:<44} {ratio:.2f}x")
        return "\n".join(lines)

    def ratio(self, case, variant, baseline=None):
        get = {(c, v): r.median for c, v, r in self.rows}
        return get[(case, variant)] / get[(case, baseline or self.baseline)]

    def markdown(self):
        lines = [f"### {self.title}", "",
                 f"| case | variant | median | min–max | ratio vs {self.baseline} |",
                 "|---|---|---|---|---|"]
        base = {c: r.median for c, v, r in self.rows if v == self.baseline}
        for c, v, r in self.rows:
            ratio = f"{r.median / base[c]:.2f}×" if c in base else "—"
            lines.append(f"| {c} | {v} | {fmt(r.median)} | {fmt(r.min)}–{fmt(r.max)} | {ratio} |")
        return "\n".join(lines) + "\n"


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only), or None with a message when
    matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: no plot)")
        return None
    return plt


def gpu_card():
    """``"NVIDIA H100 80GB HBM3 ×1"`` when JAX computes on GPUs, else ``None``."""
    import jax
    if jax.default_backend() != "gpu":
        return None
    return f"{jax.devices()[0].device_kind} ×{len(jax.devices())}"


def write_section(name, text):
    """Replace (or append) the section ``name`` of RESULTS.md; on a GPU machine the section
    ``name_gpu``, headed by the card's name, so the CPU figures stay."""
    card = gpu_card()
    if card:
        name, text = f"{name}_gpu", f"**On GPU: {card}**\n\n{text}"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.strip()}\n\n_Machine: {machine()}_\n{end}"
    old = open(RESULTS).read() if os.path.exists(RESULTS) else \
        "# Benchmark results\n\nWritten by `make bench`; each section by its script.\n"
    if start in old:
        old = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, old, flags=re.S)
    else:
        old = old.rstrip() + "\n\n" + block + "\n"
    with open(RESULTS, "w") as f:
        f.write(old)
    print(f"wrote the '{name}' section of {os.path.relpath(RESULTS)}", file=sys.stderr)
