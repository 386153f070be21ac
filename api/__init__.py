"""HTTP API for the ISO 50001 management review."""
