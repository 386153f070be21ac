"""Plugin framework: hook specifications and built-in management-system evaluations."""
