"""Name-aware gradients (placeholder until the transforms land)."""
