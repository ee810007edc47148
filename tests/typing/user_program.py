"""A small typed user program: it must type-check clean under mypy --strict.

It is checked by tests/test_packaging.py against the installed wheel (py.typed); it is
also run there, so what the checker accepts is what the library does.
"""

from collections.abc import Mapping
from typing import assert_type

import jax
import numpy as np

import namedtensor as nt
from namedtensor.grad import value_and_grad

Params = dict[str, nt.NamedTensor]


def init(key: jax.Array, sizes: Mapping[str, int]) -> Params:
    k1, k2 = nt.random.split(key)
    return {"w": nt.random.normal(k1, {"feat": sizes["feat"], "hidden": sizes["hidden"]}),
            "b": nt.zeros({"hidden": sizes["hidden"]})}


def forward(params: Params, x: nt.NamedTensor) -> nt.NamedTensor:
    h = nt.einsum("batch feat, feat hidden -> batch hidden", x, params["w"]) + params["b"]
    return nt.tanh(h).sum("hidden")


def loss(params: Params, x: nt.NamedTensor, y: nt.NamedTensor) -> nt.NamedTensor:
    return ((forward(params, x) - y) ** 2).mean()


@nt.jit
def step(params: Params, x: nt.NamedTensor, y: nt.NamedTensor) -> tuple[Params, nt.NamedTensor]:
    value, grads = value_and_grad(loss)(params, x, y)
    new = {name: params[name] - 0.1 * grads[name] for name in params}
    return new, value


def scale(x: nt.NamedTensor, factor: float, mode: str = "mul") -> nt.NamedTensor:
    return x * factor if mode == "mul" else x / factor


scale_jitted = nt.jit(scale, static_argnames="mode")


@nt.jit(static_argnames=("mode",))
def scale_decorated(x: nt.NamedTensor, factor: float, mode: str = "mul") -> nt.NamedTensor:
    return scale(x, factor, mode)


def row_norm(row: nt.NamedTensor) -> nt.NamedTensor:
    return nt.sqrt((row * row).sum("feat"))


def running_sum(carry: nt.NamedTensor, x: nt.NamedTensor) -> tuple[nt.NamedTensor, nt.NamedTensor]:
    return carry + x, (carry + x).sum()


def transforms(params: Params, x: nt.NamedTensor, y: nt.NamedTensor) -> None:
    """The transforms keep the signature of the function they wrap."""
    assert_type(step(params, x, y), tuple[Params, nt.NamedTensor])
    assert_type(scale_jitted(x, 2.0, mode="div"), nt.NamedTensor)
    assert_type(scale_decorated(x, 2.0), nt.NamedTensor)
    norms = nt.vmap(row_norm, over="batch")(x)
    assert_type(norms, nt.NamedTensor)
    assert norms.names == ("batch",)
    grads = nt.grad(loss)(params, x, y)
    assert set(grads) == {"w", "b"}
    total, running = nt.scan(running_sum, nt.zeros({"feat": 3}), x, over="batch")
    assert_type(total, nt.NamedTensor)
    assert running.names == ("batch",)
    timing = nt.benchmark(scale_jitted, x, 2.0, warmup=1, repeat=2)
    assert_type(timing, nt.BenchmarkResult)
    assert timing.min <= timing.max


def main() -> float:
    x = nt.tensor(np.ones((4, 3), np.float32), "batch feat")
    y = nt.zeros({"batch": 4})
    params = init(nt.random.key(0), {"feat": 3, "hidden": 5})
    transforms(params, x, y)
    params, value = step(params, x, y)
    names: tuple[str, ...] = x.names
    sizes: dict[str, int] = x.sizes
    assert names == ("batch", "feat") and sizes == {"batch": 4, "feat": 3}
    moved: nt.NamedTensor = x.align_to("feat", "batch").rename({"feat": "f"})
    assert moved.names == ("f", "batch")
    return float(value)


if __name__ == "__main__":
    print(main())
