"""Helpers shared by the bad-input tests: one error check, one isolated subprocess run."""

import os
import subprocess
import sys

import pytest

SENTINEL = "12345"  # tensors in bad-input tests hold 12345.678: it must never reach a message


def raises(exc, fn, *fragments):
    """``fn()`` raises ``exc`` whose message has every fragment and no array value."""
    with pytest.raises(exc) as info:
        fn()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert SENTINEL not in message, message
    return message


def run_isolated(script, devices=1, timeout=120):
    """Run ``script`` in a fresh interpreter (a crash cannot take pytest down), on
    ``devices`` host CPU devices; it must exit 0 and print ``ok``."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    if devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0 and "ok" in done.stdout.split(), done.stderr[-2000:]
