"""namedtensor: tensors whose axes have names, lowered through opt_einsum to JAX.

>>> import namedtensor as nt
>>> x = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "batch feat")
>>> x.sum("feat").tolist()
[3.0, 7.0]
"""

from importlib import metadata as _metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type checkers cannot see a callable module: declare nt.grad's type
    from .grad import _GradModule

    grad: _GradModule
else:
    from . import grad as grad  # a callable module: nt.grad(f); see grad/__init__.py
from . import random as random
from ._caches import clear_caches as clear_caches
from ._check import check as check
from ._control import cond as cond
from ._control import fori_loop as fori_loop
from ._control import while_loop as while_loop
from ._create import arange as arange
from ._create import from_xarray as from_xarray
from ._create import full as full
from ._create import full_like as full_like
from ._create import linspace as linspace
from ._create import one_hot as one_hot
from ._create import ones as ones
from ._create import ones_like as ones_like
from ._create import zeros as zeros
from ._create import zeros_like as zeros_like
from ._devices import default_device as default_device
from ._devices import devices as devices
from ._devices import use_backend as use_backend
from ._einsum import dot as dot
from ._einsum import einsum as einsum
from ._einsum import explain as explain
from ._errors import AxisNameError as AxisNameError
from ._errors import AxisSizeError as AxisSizeError
from ._errors import DeviceMismatchError as DeviceMismatchError
from ._errors import FormatError as FormatError
from ._errors import NamedTensorError as NamedTensorError
from ._errors import SpecError as SpecError
from ._export import Exported as Exported
from ._export import export as export
from ._export_file import load_exported as load_exported
from ._io import load as load
from ._io import load_metadata as load_metadata
from ._io import save as save
from ._ops import *  # noqa: F401,F403  (every op of the tables; see _ops.__all__)
from ._ops import clip as clip
from ._ops import where as where
from ._ordering import flip as flip
from ._ordering import roll as roll
from ._ordering import top_k as top_k
from ._shape import align as align
from ._shape import concat as concat
from ._shape import stack as stack
from ._shape import unstack as unstack
from ._sharding import from_process_local as from_process_local
from ._sharding import mesh as mesh
from ._sharding import shard as shard
from ._tensor import NamedTensor as NamedTensor
from ._tensor import from_numpy as from_numpy
from ._tensor import tensor as tensor
from ._transforms import BenchmarkResult as BenchmarkResult
from ._transforms import TensorSpec as TensorSpec
from ._transforms import benchmark as benchmark
from ._transforms import callback as callback
from ._transforms import jit as jit
from ._transforms import scan as scan
from ._transforms import vmap as vmap
from ._typed import T as T
from ._typed import typed as typed
from ._windows import conv as conv
from ._windows import pad as pad
from ._windows import pool as pool
from .grad import value_and_grad as value_and_grad

try:  # the one version is pyproject.toml's, read from the installed metadata
    __version__ = _metadata.version("namedtensor")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, never installed
    __version__ = "0+unknown"
