"""The evaluations enms ships, registered like any installed plugin."""
