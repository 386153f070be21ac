"""Simulated meters and buildings for tests, benchmarks and the demo."""
