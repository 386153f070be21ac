"""Languages, the message catalogue and locale formats for everything a person reads.

Texts are written in English in the code and marked for translation; the Swedish catalogue is
``core/locale/sv.po`` (gettext, read by Babel). English needs no catalogue. A text is marked
where it is written:

- ``N_("...")`` marks a text kept as data and translated when shown (a column heading, a
  glossary entry, a finding's message);
- ``locale.text("...", value=...)`` translates on the spot and fills in the values;
  ``locale.ngettext(...)`` where the count decides the form;
- ``message("...", value=...)`` keeps a text and its values to show later in the reader's
  language (a finding's title).

Messages with values use ``{name:spec}`` placeholders; the spec says how the value is shown in
the reader's locale: ``n0``/``n1``/``n2`` a number with that many decimals and the locale's
grouping ("49 788", "8,9"), ``pct1`` a percentage (``spct1`` with its sign), ``date`` a day in
the locale's long form, ``money`` an ``{"amount": ..., "currency": ...}`` in whole units. A
value that is itself a message is translated and filled in too.
``scripts/update_catalog.py`` extracts the marked texts into the catalogue; a test fails while
any has no Swedish translation.
"""

from __future__ import annotations

import gettext as _gettext
import io
import math
import string
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale as BabelLocale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_currency_symbol
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "Language",
    "Locale",
    "Message",
    "catalogue_path",
    "locale_for",
    "message",
    "negotiate",
]

#: The placeholder for a missing or non-finite number.
MISSING = "–"


class Language(StrEnum):
    SV = "sv"
    EN = "en"


DEFAULT_LANGUAGE = Language.EN
#: The CLDR locale whose number, date and currency formats each language uses.
_CLDR = {Language.SV: "sv_SE", Language.EN: "en_GB"}


def N_(text: str) -> str:  # noqa: N802 -- the gettext convention for "translate later"
    """Mark ``text`` for the catalogue without translating it here."""
    return text


def catalogue_path(language: Language) -> str:
    """The path of a language's catalogue inside the package (for the tools that update it)."""
    return str(resources.files("core") / "locale" / f"{language.value}.po")


@cache
def _translations(language: Language) -> _gettext.NullTranslations:
    if language is Language.EN:
        return _gettext.NullTranslations()
    source = resources.files("core") / "locale" / f"{language.value}.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=_CLDR[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


class _Formatter(string.Formatter):
    """``str.format`` with the locale's formats for the ``n0``, ``pct1``, ``date`` ... specs."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, dict) and set(value) == {"text", "values"}:
            value = Message.model_validate(value)  # a message inside a stored message
        if isinstance(value, Message):
            return value.render(self.locale)
        if format_spec.startswith("pct") and format_spec[3:].isdigit():
            return self.locale.percent(value, int(format_spec[3:]))
        if format_spec.startswith("spct") and format_spec[4:].isdigit():
            return self.locale.percent(value, int(format_spec[4:]), signed=True)
        if format_spec == "money" and isinstance(value, dict):
            return self.locale.money(value.get("amount"), str(value.get("currency")))
        if format_spec.startswith("n") and format_spec[1:].isdigit():
            return self.locale.number(value, int(format_spec[1:]))
        if format_spec == "date":
            return self.locale.date(value)
        return str(super().format_field(value, format_spec))


class Locale:
    """One language: its translations and its formats for numbers, money, percent and days."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.code = _CLDR[language]
        self._translations = _translations(language)
        self._formatter = _Formatter(self)
        self._percent = str(BabelLocale.parse(self.code).percent_formats[None].pattern)

    # -- texts ----------------------------------------------------------------------------
    def gettext(self, text: str) -> str:
        return self._translations.gettext(text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def text(self, text: str, /, **values: Any) -> str:
        """``text`` translated, its ``{name:spec}`` placeholders filled in this locale."""
        return self._formatter.vformat(self.gettext(text), (), values)

    # -- numbers and days -----------------------------------------------------------------
    def number(self, value: Any, digits: int = 0) -> str:
        """A number with the locale's grouping and decimal sign: "49 788", "8,9"."""
        if value is None or isinstance(value, bool):
            return MISSING
        number = float(value)
        if not math.isfinite(number):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        text = format_decimal(round(number, digits) + 0.0, format=pattern, locale=self.code)
        return text.replace("\u2212", "-")  # one minus sign, whatever CLDR prefers

    def percent(self, value: Any, digits: int = 1, *, signed: bool = False) -> str:
        """A percentage given in percent (8.94 -> "8,9 %" in Swedish, "8.9%" in English)."""
        text = self.number(value, digits)
        if text == MISSING:
            return text
        if signed:
            text = text.replace("-", "\u2212") if text.startswith("-") else f"+{text}"
        return self._percent.replace("#,##0", text, 1)

    def quantity(self, value: Any, unit: str, digits: int = 0) -> str:
        """A number and its unit, kept on one line: "49 788 kWh"."""
        text = self.number(value, digits)
        return text if text == MISSING else f"{text}\u00a0{unit}"

    def money(self, value: Any, currency: str) -> str:
        """An amount in whole units of ``currency``: "821 086 kr", "821,086 SEK"."""
        text = self.number(value)
        if text == MISSING:
            return text
        return f"{text}\u00a0{get_currency_symbol(currency, locale=self.code)}"

    def date(self, day: Any, form: str = "long") -> str:
        """A day in the locale's ``long`` ("31 mars 2025") or ``short`` form."""
        if day is None:
            return MISSING
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        return format_date(day, format=form, locale=self.code)


@cache
def locale_for(language: Language | str) -> Locale:
    return Locale(Language(language))


def negotiate(asked: str | None, accept_language: str | None, default: Language) -> Language:
    """The language a request asks for: ``?lang=``, else the best of ``Accept-Language``,
    else ``default`` (the portfolio's). An unknown explicit ``lang`` raises ValueError."""
    if asked:
        return Language(asked.strip().lower()[:2])
    if accept_language:
        ranked: list[tuple[float, int, str]] = []
        for position, part in enumerate(accept_language.split(",")[:20]):
            tag, _, params = part.strip().partition(";")
            weight = 1.0
            if params.strip().startswith("q="):
                try:
                    weight = float(params.strip()[2:])
                except ValueError:
                    continue
            ranked.append((-weight, position, tag.strip().lower()[:2]))
        for weight, _position, tag in sorted(ranked):
            if weight < 0 and tag in {language.value for language in Language}:
                return Language(tag)
    return default


class Message(BaseModel):
    """A text to show in the reader's language: its English source and its values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="the English text, with {name:spec} placeholders")
    values: dict[str, Any] = Field(default_factory=dict)

    def render(self, locale: Locale) -> str:
        return locale.text(self.text, **self.values)

    def sentence(self, locale: Locale) -> str:
        """``render`` as a sentence: a leading word of the text or of a translated message
        capitalised ("fjärrvärme 2025: …" -> "Fjärrvärme 2025: …"); a leading value -- a meter
        id like "asp-el" -- kept as it is."""
        text = self.render(locale)
        lead = next(iter(string.Formatter().parse(self.text)), ("", None, None, None))
        literal, field = lead[0], lead[1]
        translated = not literal and field is not None and _is_message(self.values.get(field))
        if (literal or translated) and text[:1].islower():
            return text[:1].upper() + text[1:]
        return text

    def __str__(self) -> str:
        return self.render(locale_for(Language.EN))


def _is_message(value: Any) -> bool:
    return isinstance(value, Message) or (
        isinstance(value, dict) and set(value) == {"text", "values"}
    )


def message(text: str, /, **values: Any) -> Message:
    """A text to translate when shown, with its values (JSON-serialisable)."""
    return Message(text=text, values=values)
