"""A plugin whose import fails, as one with a missing dependency does."""

import enms_tariff_tables  # type: ignore[import-not-found]  # noqa: F401  (not installed)
