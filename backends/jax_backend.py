"""The JAX backend (the default): executes on CPU/GPU/TPU, jit- and grad-able."""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from namedtensor._types import Array, DeviceLike, DTypeLike

from ._contract import Path, contract


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
    return jax.jit(lambda *arrays: contract(jnp, subscripts, path, arrays))


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

    def is_concrete(self, x: Array) -> bool:
        return not isinstance(x, jax.core.Tracer)

    def einsum(self, subscripts: str, path: Path, *arrays: Array) -> Array:
        # Eager: one jitted callable per plan, so a repeated call is one dispatch.
        # Traced (inside jit, grad, vmap, scan): inline the matmuls into the caller's
        # program, exactly as hand-written JAX would (a nested jit per contraction
        # keeps XLA from fusing across it: 4x slower on an unrolled LSTM's backward).
        if any(isinstance(a, jax.core.Tracer) for a in arrays):
            return contract(jnp, subscripts, path, arrays)
        return _compiled_einsum(subscripts, path)(*arrays)

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
