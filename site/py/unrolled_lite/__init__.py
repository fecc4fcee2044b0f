"""Pure Python + NumPy recurrent networks, shared by precompute and the in-browser trainer."""
