"""Everything a plugin author needs, from one place: ``from enms.plugin import hookimpl, ...``.

This is enms's public, documented surface for plugins (docs/plugins.md); its names stay
stable across releases, whatever the modules behind them are called. A plugin reaches enms
only through its hooks' arguments -- the contexts below -- and returns the types below.
``tests/plugins/test_public_surface.py`` fails if a hook's argument or return type is missing
here.
"""

from __future__ import annotations

from core.config.models import (
    Building,
    EnmsConfig,
    EnpiDefinition,
    Medium,
    Meter,
    Site,
    ValueKind,
)
from core.schema import Measurement, Tag, main_field
from core.storage.points import Aggregate, Bucket, BucketSeries, Point, RawSeries, SeriesSelector
from energy.feedback import Category as FeedbackCategory
from energy.feedback import Feedback
from energy.variables import DailyValues, RelevantVariable, VariableContext
from plugins.collectors import Collector, CollectorContext, PluginMeter, Submit
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.findings import (
    Evidence,
    Finding,
    FindingMaker,
    Kind,
    Perspective,
    Phase,
    ReviewInput,
    Scope,
    Severity,
)
from plugins.hookspecs import hookimpl
from plugins.manager import ENTRY_POINT_GROUP
from plugins.notices import Notice, NoticeKind, NotifyContext
from plugins.sections import Cell, ReportSection

__all__ = [
    "ENTRY_POINT_GROUP",
    "Aggregate",
    "Bucket",
    "BucketSeries",
    "Building",
    "Cell",
    "Collector",
    "CollectorContext",
    "DailyValues",
    "EnmsConfig",
    "EnpiDefinition",
    "EvaluationContext",
    "Evidence",
    "Feedback",
    "FeedbackCategory",
    "Finding",
    "FindingMaker",
    "Kind",
    "Measurement",
    "Medium",
    "Meter",
    "Notice",
    "NoticeKind",
    "NotifyContext",
    "Perspective",
    "Phase",
    "PluginMeter",
    "Point",
    "RawSeries",
    "RelevantVariable",
    "ReportSection",
    "ReviewInput",
    "ReviewPeriod",
    "Scope",
    "SeriesSelector",
    "Severity",
    "Site",
    "Submit",
    "Tag",
    "ValueKind",
    "VariableContext",
    "hookimpl",
    "main_field",
]
