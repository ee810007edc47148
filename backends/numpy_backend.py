"""The NumPy backend: a real backend (not a test double), minus transforms."""

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from namedtensor._types import Array, DeviceLike, DTypeLike

from ._contract import IndexPlan, Path, basic_index, contract


def _parse_device(device: DeviceLike | None) -> str:
    if device is None or (isinstance(device, str) and device.split(":")[0] == "cpu"):
        return "cpu"
    raise ValueError(f"the numpy backend lives on the host; device {device!r} is not available")


class Backend:
    name = "numpy"
    xp = np

    def is_array(self, obj: object) -> bool:
        return isinstance(obj, (np.ndarray, np.generic))

    def asarray(self, obj: Any, dtype: DTypeLike | None = None,
                device: DeviceLike | None = None) -> Array:
        _parse_device(device)
        return np.asarray(obj, dtype=dtype)

    def to_numpy(self, x: Array) -> np.ndarray[Any, Any]:
        return np.asarray(x)

    def device(self, x: Array) -> str:
        return "cpu"

    def put(self, x: Array, device: DeviceLike) -> Array:
        _parse_device(device)
        return x

    def is_concrete(self, x: Array) -> bool:
        return True

    def einsum(self, subscripts: str, path: Path, *arrays: Array) -> Array:
        return contract(np, subscripts, path, arrays)

    def index(self, x: Array, plan: IndexPlan, starts: Sequence[int]) -> Array:
        index, reverse = basic_index(plan, starts)
        out = x[index]
        return np.flip(out, reverse) if reverse else out

    def fuse(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    # --- integer division by zero gives JAX's values (NumPy gives 0 and warns) -----
    @staticmethod
    def floor_divide(x: Array, y: Array) -> Array:
        if np.result_type(x, y).kind not in "iu":
            return np.floor_divide(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out: np.ndarray[Any, Any] = np.floor_divide(x, y)
        zero = np.equal(y, 0)
        if not np.any(zero):
            return out
        fill: Array
        if out.dtype.kind == "u":
            fill = np.iinfo(out.dtype).max  # XLA: all bits set
        else:  # XLA's x / 0 is -1; floor division then steps down unless x is 0
            fill = np.where(np.equal(x, 0), -1, -2)
        return np.where(zero, fill, out).astype(out.dtype)

    @staticmethod
    def remainder(x: Array, y: Array) -> Array:
        if np.result_type(x, y).kind not in "iu":
            return np.remainder(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(x, y)  # x % 0 is 0, as in JAX

    # --- functions the array API lacks -------------------------------------
    _erf = np.vectorize(math.erf, otypes=[np.float64])

    def erf(self, x: Array) -> Array:
        x = np.asarray(x)
        out = self._erf(x) if x.size else np.zeros(x.shape)
        return out.astype(np.result_type(x.dtype, np.float16))

    def sigmoid(self, x: Array) -> Array:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(x, np.float16))

    def relu(self, x: Array) -> Array:
        return np.maximum(x, np.zeros((), x.dtype))

    def gelu(self, x: Array) -> Array:
        return (0.5 * x * (1 + self.erf(x / math.sqrt(2)))).astype(np.result_type(x, np.float16))

    def softplus(self, x: Array) -> Array:
        return np.logaddexp(np.zeros((), np.result_type(x, np.float16)), x)

    def logsumexp(self, x: Array, axis: int | tuple[int, ...]) -> Array:
        if x.size == 0:
            return np.log(np.sum(np.exp(x), axis=axis))
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        return (np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m).squeeze(axis)

    def log_softmax(self, x: Array, axis: int) -> Array:
        return x - np.expand_dims(self.logsumexp(x, (axis,)), axis)

    def softmax(self, x: Array, axis: int) -> Array:
        return np.exp(self.log_softmax(x, axis))


if TYPE_CHECKING:  # the type checker verifies that Backend meets the interface
    from ._contract import Backend as _Interface
    _conforms: _Interface = Backend()
