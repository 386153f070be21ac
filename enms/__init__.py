"""enms: ISO 50001 energy management monitoring.

The command line lives in ``enms.cli``; plugin authors import ``enms.plugin``. The layers
underneath (``baselines``, ``core``, ``energy``, ``plugins``, ``daemon``, ``api``,
``simulation``) are described in docs/architecture.md. This module imports nothing, so
``import enms.plugin`` loads only what a plugin needs.
"""
