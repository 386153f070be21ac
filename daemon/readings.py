"""What every reading carries, whichever collector took it (DESIGN §2)."""

from __future__ import annotations

from daemon.config.models import Meter, Site

READINGS_MEASUREMENT = "readings"


def reading_tags(site: Site, meter: Meter) -> dict[str, str]:
    """The identity every reading of a configured meter carries."""
    tags = {
        "site": site.id,
        "building": meter.building,
        "meter": meter.id,
        "medium": meter.medium.value,
        **meter.tags,
    }
    if meter.seu:
        tags["seu"] = meter.seu
    return tags
