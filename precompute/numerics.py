"""One floating-point code path on every x86-64 machine, so a run trains to the same bytes wherever it runs.

torch (ATen's vectorised kernels), MKL, oneDNN and NumPy each pick their kernels by the CPU's instruction
set when first used; kernels for AVX-512, AVX2 or SSE round differently in the last bit, and training
turns a last-bit difference into a different model, so an article's numbers (and whether its claims
hold) would depend on the machine that trained it. Pinning every library to its portable path before it
loads removes that: the variables below are read once, when each library starts, which is why
`pin_environment` runs when the `precompute` or `generator` package is first imported and why
`check_pinned` refuses to train in a process where a library started unpinned.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import sys

from .errors import UnrolledError

X86 = platform.machine().lower() in {"x86_64", "amd64"}

# torch's own kernels without SIMD dispatch; MKL's Conditional Numerical Reproducibility mode that gives
# the same results on Intel and compatible CPUs; oneDNN no further than SSE4.1 (every x86-64 CPU since
# 2008); NumPy (2.4's feature names) at its x86-64-v2 baseline.
TORCH_AND_BLAS = {
    "ATEN_CPU_CAPABILITY": "default",
    "MKL_CBWR": "COMPATIBLE",
    "ONEDNN_MAX_CPU_ISA": "SSE41",
}
NUMPY_X86 = {"NPY_DISABLE_CPU_FEATURES": "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR"}


def pinned_variables() -> dict[str, str]:
    """The environment a training process needs (also what a Dask worker must be started with)."""
    values = dict(TORCH_AND_BLAS)
    if X86 and _numpy_major_minor() >= (2, 4):
        values.update(NUMPY_X86)
    return values


def pin_environment(environ=os.environ) -> None:
    """Set the variables in this process (and so in the processes it starts), unless a library that reads
    them has already started; then `check_pinned` tells the truth when training is asked for."""
    for name, value in pinned_variables().items():
        environ[name] = value


def check_pinned() -> None:
    """Refuse to train where torch or NumPy started before the variables were set: its numbers would be
    this machine's, not the run's."""
    import numpy
    import torch

    problems = []
    if torch.backends.cpu.get_cpu_capability() != "DEFAULT":
        problems.append(f"torch uses {torch.backends.cpu.get_cpu_capability()} kernels")
    if X86 and "NPY_DISABLE_CPU_FEATURES" in pinned_variables():
        found = [name for name, on in numpy._core._multiarray_umath.__cpu_features__.items()
                 if on and name in numpy._core._multiarray_umath.__cpu_dispatch__]
        if found:
            problems.append(f"NumPy dispatches to {', '.join(found)}")
    if problems:
        settings = " ".join(f"{k}={v}" for k, v in pinned_variables().items())
        raise UnrolledError(
            f"this process cannot train reproducibly: {'; '.join(problems)}", rule="numerics-unpinned",
            hint=f"start it with {settings} in its environment (the `unrolled` command does this itself; "
                 "a Dask worker or a script that imports torch or NumPy first must be started with them)")


def _numpy_major_minor() -> tuple[int, int]:
    if "numpy" in sys.modules:
        version = sys.modules["numpy"].__version__
    else:
        try:
            version = importlib.metadata.version("numpy")
        except importlib.metadata.PackageNotFoundError:
            return (0, 0)
    major, minor = version.split(".")[:2]
    return int(major), int(minor)
