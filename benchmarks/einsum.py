"""Einsum by name against jnp.einsum, np.einsum and matmul. Run: ``python benchmarks/einsum.py``.

1. Eager small contraction (32×64 · 64×48): target <= 0.5× eager jnp.einsum.
2. 4-operand chain a b, b c, c d, d e -> a e (a=e=8, b=c=d=512): not slower than
   np.einsum(optimize=True) and jnp.einsum; the naive order beside it.
3. Path search for 10- and 30-operand networks: first call vs cached call.
4. A large contraction (2048³): GFLOP/s against a jitted jnp.matmul (target >= 90%).
"""

import functools
import time

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import QUICK, Table, fmt, write_section


def small(out):
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((32, 64)), jnp.float32)
    b = jnp.asarray(rng.standard_normal((64, 48)), jnp.float32)
    ta, tb = nt.tensor(a, "batch d"), nt.tensor(b, "d h")
    table = Table("Eager small contraction (32×64 · 64×48)", "jnp.einsum")
    case = "batch d, d h -> batch h"
    table.time(case, "jnp.einsum", lambda: jnp.einsum("bd,dh->bh", a, b), repeat=200)
    table.time(case, "jnp.matmul", lambda: jnp.matmul(a, b), repeat=300, number=10)
    table.time(case, "nt.einsum", lambda: nt.einsum(case, ta, tb), repeat=300, number=10)
    table.time(case, "nt.dot", lambda: nt.dot(ta, tb, over="d"), repeat=300, number=10)
    r = table.ratio(case, "nt.einsum")
    matmul = table.ratio(case, "nt.einsum", "jnp.matmul")
    out.append(table.markdown() + f"\nnt.einsum / jnp.einsum = **{r:.3f}×** (target ≤ 0.5); "
               f"nt.einsum / jnp.matmul = **{matmul:.2f}×**\n")


def chain(out):
    rng = np.random.default_rng(1)
    shapes = [(8, 512), (512, 512), (512, 512), (512, 8)]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    jarrays = [jnp.asarray(x) for x in arrays]
    names = ["a b", "b c", "c d", "d e"]
    tensors = [nt.tensor(x, n) for x, n in zip(jarrays, names)]
    spec = "a b, b c, c d, d e -> a e"
    table = Table("4-operand chain (a=e=8, b=c=d=512), eager", "np.einsum(optimize=True)")
    case = "a b, b c, c d, d e -> a e"
    table.time(case, "np.einsum(optimize=True)",
               lambda: np.einsum("ab,bc,cd,de->ae", *arrays, optimize=True), repeat=30)
    table.time(case, "jnp.einsum", lambda: jnp.einsum("ab,bc,cd,de->ae", *jarrays), repeat=30)
    table.time(case, "nt.einsum", lambda: nt.einsum(spec, *tensors), repeat=30)
    bad = [(1, 2), (1, 2), (0, 1)]  # b c · c d first: a 512³ product the good order avoids
    table.time(case, "nt.einsum, bad order", lambda: nt.einsum(spec, *tensors, optimize=bad),
               repeat=10, warmup=2)
    report = nt.explain(spec, *tensors)
    bad_order = table.ratio(case, "nt.einsum, bad order", "nt.einsum")
    out.append(table.markdown()
               + f"\nnt.einsum / np.einsum = **{table.ratio(case, 'nt.einsum'):.2f}×**, "
               f"nt.einsum / jnp.einsum = **{table.ratio(case, 'nt.einsum', 'jnp.einsum'):.2f}×**; "
               f"a bad pairwise order is {bad_order:.0f}× "
               f"slower, and the naive single-loop order would cost {report.naive_flops:.3g} FLOPs "
               f"against {report.optimized_flops:.3g}.\n\n```\n{report}\n```\n")


def network(n, rng):
    """A random connected network of n operands (a ring plus random chords), sizes 2-8."""
    edges = [(i, (i + 1) % n) for i in range(n)]
    edges += [tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(n // 2)]
    edges = list(dict.fromkeys(e for e in edges if e[0] != e[1]))
    names = {e: f"e{i}" for i, e in enumerate(edges)}
    sizes = {name: int(rng.integers(2, 9)) for name in names.values()}
    tensors = []
    for k in range(n):
        mine = [names[e] for e in edges if k in e]
        tensors.append(nt.zeros({m: sizes[m] for m in mine}))
    return tensors


def path_search(out):
    rng = np.random.default_rng(2)
    lines = ["### Path search: first call vs cached call", "",
             "`nt.explain` plans without executing: its first call searches a path, later "
             "calls find the plan in the cache. The last column is a cached `nt.einsum` of "
             "the same network, with its dispatch and execution (each size is 2-8).", "",
             "| operands | optimize | first call | cached call | speed-up | cached nt.einsum |",
             "|---|---|---|---|---|---|"]
    for n in (10, 30):
        tensors = network(n, rng)
        for optimize in ("auto", "greedy"):
            nt.clear_caches()
            start = time.perf_counter()
            nt.explain("-> ", *tensors, optimize=optimize)
            first = time.perf_counter() - start
            explain = functools.partial(nt.explain, "-> ", *tensors, optimize=optimize)
            cached = nt.benchmark(explain, warmup=2, repeat=50).median
            run = functools.partial(nt.einsum, "-> ", *tensors, optimize=optimize)
            executed = nt.benchmark(run, warmup=2, repeat=50).median
            lines.append(f"| {n} | {optimize} | {fmt(first)} | {fmt(cached)} "
                         f"| {first / cached:.0f}× | {fmt(executed)} |")
            print(f"  path search n={n} {optimize}: first {fmt(first)}, cached {fmt(cached)}, "
                  f"cached nt.einsum {fmt(executed)}")
    out.append("\n".join(lines) + "\n")


def large(out):
    n = 1024 if QUICK else 2048
    rng = np.random.default_rng(3)
    a = jnp.asarray(rng.standard_normal((n, n)), jnp.float32)
    b = jnp.asarray(rng.standard_normal((n, n)), jnp.float32)
    ta, tb = nt.tensor(a, "i k"), nt.tensor(b, "k j")
    matmul = jax.jit(jnp.matmul)
    table = Table(f"Large contraction ({n}³, float32)", "jitted jnp.matmul")
    case = f"i k, k j -> i j ({n}³)"
    flops = 2 * n ** 3
    r1 = table.time(case, "jitted jnp.matmul", matmul, a, b, warmup=2, repeat=10)
    r2 = table.time(case, "nt.einsum (eager)", lambda: nt.einsum("i k, k j -> i j", ta, tb),
                    warmup=2, repeat=10)
    g1, g2 = flops / r1.median / 1e9, flops / r2.median / 1e9
    out.append(table.markdown() + f"\njnp.matmul {g1:.1f} GFLOP/s, nt.einsum {g2:.1f} GFLOP/s: "
               f"**{100 * g2 / g1:.0f}%** (target ≥ 90%)\n")


def main():
    out = ["## Einsum by name\n"]
    for part in (small, chain, path_search, large):
        part(out)
    write_section("einsum", "\n".join(out))


if __name__ == "__main__":
    main()
