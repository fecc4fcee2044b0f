"""Compact, exact array encoding for documents: little-endian bytes in base64 with dtype and shape.

Base64 of raw IEEE floats is ~3x smaller than decimal text and round-trips bit for bit, so what the
reader sees is exactly what precompute computed, at the precision the schema states.
"""
from __future__ import annotations

import base64
import binascii
import math

import numpy as np

DTYPES = {"float64": "<f8", "float32": "<f4", "float16": "<f2", "int32": "<i4", "uint8": "u1"}


def encode(values, dtype: str = "float32") -> dict:
    """Encode any array-like as `{"dtype", "shape", "data"}`."""
    if dtype not in DTYPES:
        raise ValueError(f"unsupported dtype {dtype!r}; expected one of {sorted(DTYPES)}")
    arr = np.ascontiguousarray(np.asarray(values), dtype=DTYPES[dtype])
    return {"dtype": dtype, "shape": list(arr.shape), "data": base64.b64encode(arr.tobytes()).decode("ascii")}


def decode(obj: dict) -> np.ndarray:
    """Inverse of `encode`; returns a native-endian array of the stored dtype.

    Strict, as the browser's `atob` is: a character outside base64 or bytes that do not fill `shape`
    exactly raise ValueError instead of being skipped or truncated.
    """
    if obj.get("dtype") not in DTYPES:
        raise ValueError(f"unknown dtype {obj.get('dtype')!r}")
    shape = obj.get("shape")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                               for n in shape):
        raise ValueError(f"shape {shape!r} is not a list of sizes")
    try:
        raw = base64.b64decode(obj["data"], validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise ValueError(f"data is not valid base64 ({exc})") from None
    dtype = np.dtype(DTYPES[obj["dtype"]])
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"data holds {len(raw)} bytes, but shape {shape} of {obj['dtype']} needs {expected}")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape)
    return arr.astype(arr.dtype.newbyteorder("="))


def is_encoded(obj) -> bool:
    return isinstance(obj, dict) and set(obj) == {"dtype", "shape", "data"}


def decode_tree(node, where: str = ""):
    """Replace every encoded array inside a JSON tree by a numpy array; errors name the array's path."""
    if is_encoded(node):
        try:
            return decode(node)
        except ValueError as exc:
            raise ValueError(f"array at {where or '(root)'}: {exc}") from None
    if isinstance(node, dict):
        return {k: decode_tree(v, f"{where}/{k}") for k, v in node.items()}
    if isinstance(node, list):
        return [decode_tree(v, f"{where}/{i}") for i, v in enumerate(node)]
    return node
