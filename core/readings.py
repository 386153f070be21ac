"""What every reading carries, whichever collector took it (DESIGN §2)."""

from __future__ import annotations

from core.config.models import Meter, Site
from core.schema import Tag


def reading_tags(site: Site, meter: Meter) -> dict[str, str]:
    """The identity every reading of a configured meter carries."""
    tags = {
        Tag.SITE: site.id,
        Tag.BUILDING: meter.building,
        Tag.METER: meter.id,
        Tag.MEDIUM: meter.medium.value,
        **meter.tags,
    }
    if meter.seu:
        tags[Tag.SEU] = meter.seu
    return tags
