"""Energy baselines and EnPIs: pure NumPy computation, no I/O."""
