"""The relevant variables the enabled plugins provide (``enms_relevant_variables``).

What a relevant variable is, and how an EnPI's model uses one, is the energy layer's
(``energy.variables``); this module asks the plugins for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import cast

from core.config.models import EnmsConfig
from core.storage.contract import Store
from energy.variables import RelevantVariable, VariableContext
from plugins.manager import Plugins

log = logging.getLogger(__name__)


def relevant_variables(
    plugins: Plugins, config: EnmsConfig, store: Store
) -> dict[str, RelevantVariable]:
    """Every relevant variable the enabled plugins provide, by name.

    A plugin whose hook raises is logged and provides nothing; a name given twice is kept
    from the first plugin and logged.
    """
    found: dict[str, RelevantVariable] = {}
    for name, function in plugins.implementations(
        "enms_relevant_variables", disabled=config.plugins.disabled
    ):
        context = VariableContext(name, config, config.plugins.settings.get(name, {}), store)
        try:
            provided = list(cast(Iterable[object], function(context)))
        except Exception as exc:
            log.error("plugin %s: its relevant variables could not be listed: %s", name, exc)
            continue
        for variable in provided:
            if not isinstance(variable, RelevantVariable):
                log.error("plugin %s: %r is not a RelevantVariable", name, variable)
                continue
            if variable.name in found:
                log.error("plugin %s: relevant variable %r is provided twice", name, variable.name)
                continue
            found[variable.name] = variable
    return found
