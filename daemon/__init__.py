"""Energy management daemon: configuration, storage, collectors and the command line."""
