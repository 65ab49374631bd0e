"""Shared test helpers (import with `from helpers import ...`): compare an op's forward and backward with references."""

import asyncio
import math

import pytest

from backprop_lab import Value

try:
    import torch
except ImportError:  # the skips below name what is missing; `make test` installs it
    torch = None

TORCH_MISSING = "torch is not installed (make test installs torch==2.13.0, the CPU build)"


def central_diff(f, xs, i, h=1e-6):
    """(f(x+h) - f(x-h)) / 2h in argument i, on plain floats wrapped as Values."""
    up = [x + h if j == i else x for j, x in enumerate(xs)]
    down = [x - h if j == i else x for j, x in enumerate(xs)]
    return (f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * h)


def assert_close(got, want, rel=1e-6, abs_=1e-7, what=""):
    """Fail with both numbers when got and want differ beyond tolerance."""
    assert math.isfinite(got), f"{what}: got {got}"
    assert abs(got - want) <= max(abs_, rel * max(abs(got), abs(want))), f"{what}: got {got}, want {want}"


def torch_grads(f, *xs):
    """f's value and gradients at xs, computed by torch in float64 (skips, naming torch, if it is missing)."""
    if torch is None:
        pytest.skip(TORCH_MISSING)
    ts = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*ts)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in ts]


def check(f, *xs, ref=None, fd_rel=1e-6):
    """Check f's forward (against ref on floats, if given) and backward (finite differences, then torch).

    Where torch is missing, the finite-difference part runs and the test is then reported as skipped.
    """
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    if ref is not None:
        assert_close(out.data, ref(*xs), rel=1e-12, abs_=1e-12, what="forward")
    out.backward()
    for i, leaf in enumerate(leaves):
        assert_close(leaf.grad, central_diff(f, xs, i), rel=fd_rel, abs_=1e-6, what=f"d/dx{i} vs finite differences")
    value, grads = torch_grads(f, *xs)
    assert_close(out.data, value, rel=1e-12, abs_=1e-12, what="forward vs torch")
    for i, (leaf, g) in enumerate(zip(leaves, grads)):
        assert_close(leaf.grad, g, rel=1e-10, abs_=1e-12, what=f"d/dx{i} vs torch")
    return leaves, out


def run_async(main):
    """asyncio.run(main()) in a thread of its own, so it works even where another event loop runs."""
    import threading

    result = {}

    def target():
        try:
            result["value"] = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]
