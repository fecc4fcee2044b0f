"""Unrolled's precompute: trains runs and exports their documents. Importing it pins the floating-point
code paths of the process (see numerics.py) before torch or NumPy can load."""
from .numerics import pin_environment

pin_environment()
