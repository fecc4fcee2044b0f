"""Unrolled's generator: Markdown articles + precompute documents -> a static, explorable site."""
