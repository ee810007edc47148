"""The JAX backend (the default): executes on CPU/GPU/TPU, jit- and grad-able."""

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from namedtensor._types import Array, DeviceLike, DTypeLike

from ._contract import IndexPlan, Path, contract, extent


@functools.lru_cache(maxsize=64)
def _parse_device(device: DeviceLike) -> jax.Device:
    if isinstance(device, jax.Device):
        return device
    platform, _, index = str(device).partition(":")
    try:
        devices = jax.devices(platform)
    except RuntimeError:
        devices = []
    if not devices:
        raise ValueError(f"no {platform!r} device is available; JAX sees "
                         f"{[_fmt(d) for d in jax.devices()]}")
    i = int(index) if index else 0
    if not 0 <= i < len(devices):
        raise ValueError(f"device {device!r} does not exist; there are {len(devices)} "
                         f"{platform} device(s)")
    return devices[i]


def _fmt(device: jax.Device) -> str:
    return f"{device.platform}:{device.id}"


@functools.lru_cache(maxsize=1024)
def _compiled_einsum(subscripts: str, path: Path) -> Callable[..., Array]:
    return _fuse(lambda *arrays: contract(jnp, subscripts, path, arrays))


@functools.lru_cache(maxsize=1024)
def _index_kernel(plan: IndexPlan) -> Callable[..., Array]:
    """``x`` indexed by ``plan``, the positions as arguments: one compiled call serves every
    position and every window of one length (a static index would compile once per
    position, ~30 ms each)."""
    def run(x: Array, *starts: Array) -> Array:
        it = iter(starts)
        drop, reverse = [], []
        for axis, p in enumerate(plan):
            if p is None:
                continue
            size = extent(p.n, p.step)
            if p.low is None:
                x = lax.dynamic_slice_in_dim(x, next(it), size, axis)
                if abs(p.step) != 1 and p.n:
                    x = lax.slice_in_dim(x, 0, None, abs(p.step), axis)
            else:
                x = lax.slice_in_dim(x, p.low, p.low + size, abs(p.step), axis)
            if p.drop:
                drop.append(axis)
            elif p.step < 0:
                reverse.append(axis)
        x = lax.rev(x, reverse) if reverse else x
        return lax.squeeze(x, drop) if drop else x
    return _fuse(run)


def _fuse(fn: Callable[..., Any]) -> Callable[..., Any]:
    return _Kernel(fn)


# how many argument shapes a kernel remembers having traced (then it starts over)
_TRACED_SHAPES = 1024


class _Kernel:
    """``fn`` as one compiled call, ``jax.jit(fn, inline=True)``.

    Eagerly, and under eager grad, it is one cached dispatch: one linearization per call
    instead of one per primitive (a reshape alone costs ~200 us under eager grad). Traced
    inside jit (or grad inside jit), ``inline=True`` makes the body join the caller's
    program, exactly as hand-written JAX would, so XLA fuses across it (a nested call kept
    XLA from fusing: 4x slower on an unrolled LSTM's backward), and the body's trace and
    linearization are cached for the next use (a 12-layer transformer traces 4x faster).
    A first trace costs more than tracing the body in place, so the first traced call on
    given shapes and dtypes does that: a program that uses an op once traces as fast as
    without kernels.
    """

    __slots__ = ("fn", "compiled", "traced")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.compiled = fn, jax.jit(fn, inline=True)
        self.traced: set[tuple[Any, ...]] = set()

    def __call__(self, *args: Any) -> Any:
        # the first argument tells eager from traced (a mix only decides the speed)
        if not isinstance(args[0], jax.core.Tracer):
            return self.compiled(*args)
        avals = tuple(getattr(a, "aval", type(a)) for a in args)
        if avals in self.traced:
            return self.compiled(*args)
        if len(self.traced) >= _TRACED_SHAPES:  # bounded, as every cache is
            self.traced.clear()
        self.traced.add(avals)
        return self.fn(*args)


class Backend:
    name = "jax"
    xp = jnp

    def is_array(self, obj: object) -> bool:
        return isinstance(obj, (jax.Array, jax.core.Tracer))

    def asarray(self, obj: Any, dtype: DTypeLike | None = None,
                device: DeviceLike | None = None) -> Array:
        x = jnp.asarray(obj, dtype=dtype)
        if device is not None:
            x = jax.device_put(x, _parse_device(device))
        return x

    def to_numpy(self, x: Array) -> np.ndarray[Any, Any]:
        return np.asarray(x)

    def device(self, x: Array) -> str:
        try:
            devices = x.devices()
        except Exception:  # a tracer has no device
            return "traced"
        return ",".join(sorted(_fmt(d) for d in devices))

    def put(self, x: Array, device: DeviceLike) -> Array:
        return jax.device_put(x, _parse_device(device))

    def clear_caches(self) -> None:
        _compiled_einsum.cache_clear()
        _index_kernel.cache_clear()

    def is_concrete(self, x: Array) -> bool:
        return not isinstance(x, jax.core.Tracer)

    def einsum(self, subscripts: str, path: Path, *arrays: Array) -> Array:
        # one fused callable per plan: one dispatch eagerly, inlined when traced
        return _compiled_einsum(subscripts, path)(*arrays)

    def index(self, x: Array, plan: IndexPlan, starts: Sequence[int]) -> Array:
        return _index_kernel(plan)(x, *starts)

    def fuse(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return _fuse(fn)

    # --- functions the array API lacks -------------------------------------
    erf = staticmethod(jax.scipy.special.erf)
    floor_divide = staticmethod(jnp.floor_divide)
    remainder = staticmethod(jnp.remainder)
    sigmoid = staticmethod(jax.nn.sigmoid)
    relu = staticmethod(jax.nn.relu)
    softplus = staticmethod(jax.nn.softplus)

    @staticmethod
    def gelu(x: Array) -> Array:
        return jax.nn.gelu(x, approximate=False)

    @staticmethod
    def logsumexp(x: Array, axis: int | tuple[int, ...]) -> Array:
        return jax.nn.logsumexp(x, axis=axis)

    @staticmethod
    def softmax(x: Array, axis: int) -> Array:
        return jax.nn.softmax(x, axis=axis)

    @staticmethod
    def log_softmax(x: Array, axis: int) -> Array:
        return jax.nn.log_softmax(x, axis=axis)


if TYPE_CHECKING:  # the type checker verifies that Backend meets the interface
    from ._contract import Backend as _Interface
    _conforms: _Interface = Backend()
