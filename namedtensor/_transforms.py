"""Transforms with name bookkeeping over JAX: benchmark (more below as they land)."""

import statistics
import time
from typing import NamedTuple

import jax

__all__ = ["benchmark", "BenchmarkResult"]


class BenchmarkResult(NamedTuple):
    """Seconds per call: ``median``, ``min``, ``max``, and every sample in ``times``."""
    median: float
    min: float
    max: float
    times: tuple

    def __str__(self):
        f = self.format
        return f"median {f(self.median)} (min {f(self.min)}, max {f(self.max)}, " \
               f"{len(self.times)} runs)"

    @staticmethod
    def format(seconds):
        """``0.0000123`` -> ``"12.3 us"``."""
        for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
            if seconds >= scale:
                return f"{seconds / scale:.3g} {unit}"
        return f"{seconds * 1e9:.3g} ns"


def _block(out):
    return jax.block_until_ready(out)


def benchmark(fn, *args, warmup=5, repeat=100, number=1):
    """Time ``fn(*args)``: warm up, then ``repeat`` samples, each blocking until every
    output is ready (JAX dispatches asynchronously).

    >>> import namedtensor as nt
    >>> r = nt.benchmark(lambda t: t * 2, nt.ones({"x": 3}), warmup=1, repeat=5)
    >>> r.min <= r.median <= r.max
    True

    Args:
        fn: the callable; its outputs may be any pytree of arrays/NamedTensors.
        *args: its arguments.
        warmup: untimed calls first (compilation, caches).
        repeat: timed samples.
        number: calls per sample (each blocked); a sample is their mean, which steadies
            timings of calls shorter than a few microseconds.

    Returns:
        A :class:`BenchmarkResult` in seconds per call.
    """
    for _ in range(warmup):
        _block(fn(*args))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            _block(fn(*args))
        times.append((time.perf_counter() - start) / number)
    return BenchmarkResult(statistics.median(times), min(times), max(times), tuple(times))
