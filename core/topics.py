"""Topic patterns with named levels: 'fastighet/{building}/{meter}/state'."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicPattern:
    pattern: str

    @property
    def levels(self) -> list[str]:
        return self.pattern.split("/")

    @property
    def subscription(self) -> str:
        """The MQTT filter to subscribe to: named levels become '+'."""
        return "/".join("+" if _name(level) else level for level in self.levels)

    def match(self, topic: str) -> dict[str, str] | None:
        """The named levels' values if ``topic`` matches, else None."""
        parts = topic.split("/")
        captured: dict[str, str] = {}
        levels = self.levels
        for index, level in enumerate(levels):
            if level == "#":
                return captured
            if index >= len(parts):
                return None
            name = _name(level)
            if name:
                if not parts[index]:
                    return None
                captured[name] = parts[index]
            elif level != "+" and level != parts[index]:
                return None
        return captured if len(parts) == len(levels) else None


def _name(level: str) -> str | None:
    return level[1:-1] if level.startswith("{") and level.endswith("}") else None
