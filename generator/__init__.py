"""Unrolled's generator: Markdown articles + precompute documents -> a static, explorable site."""

import unrolled.precompute  # noqa: F401,E402 - pins the numerics before anything loads torch or NumPy
