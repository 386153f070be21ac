"""Bring the Swedish message catalogue up to date with the texts marked in the code.

    .venv/bin/python scripts/update_catalog.py          # add new texts, mark removed ones
    .venv/bin/python scripts/update_catalog.py --check  # exit 1 while a text lacks Swedish

Texts are found by Babel in the Python packages (``N_``, ``message``, ``locale.text``,
``ngettext``) and in the Jinja templates (``_``, ``gettext``); see ``core/i18n.py``. New texts
enter ``core/locale/sv.po`` with an empty translation for a person to write; the check then
names them. Texts no longer in the code are dropped.
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "energy", "plugins", "daemon", "api", "simulation", "enms", "scripts")
CATALOGUE = REPO / "core" / "locale" / "sv.po"
HEADER = (
    "# Swedish texts of enms: the management review, findings and command line.\n"
    "# Update with: .venv/bin/python scripts/update_catalog.py, then translate the new entries."
)
KEYWORDS = {
    "N_": None,
    "message": None,
    "text": None,
    "gettext": None,
    "_": None,
    "ngettext": (1, 2),
}
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]


def extracted() -> Catalog:
    """Every text marked for translation in the packages and their templates."""
    template = Catalog(project="enms", domain="enms")
    for package in PACKAGES:
        for filename, lineno, text, comments, context in extract_from_dir(
            REPO / package,
            METHODS,
            options_map={"**/templates/**.html": {"trimmed": "true"}},
            keywords=KEYWORDS,
        ):
            if text:
                template.add(
                    text,
                    locations=[(f"{package}/{filename}", lineno)],
                    auto_comments=comments,
                    context=context,
                )
    return template


def current() -> Catalog:
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="sv_SE", domain="enms")


def problems(catalog: Catalog, template: Catalog) -> list[str]:
    """What keeps the catalogue from covering the code: missing, untranslated, fuzzy, stale."""
    found = []
    for entry in template:
        if not entry.id:
            continue
        kept = catalog.get(entry.id, entry.context)
        if kept is None:
            found.append(f"not in the catalogue: {entry.id!r} ({_where(entry)})")
        elif not (all(kept.string) if isinstance(kept.string, tuple) else kept.string):
            found.append(f"no Swedish translation: {entry.id!r} ({_where(entry)})")
        elif kept.fuzzy:
            found.append(f"translation marked fuzzy: {entry.id!r}")
        elif _placeholders(entry.id) != _placeholders(kept.string):
            found.append(f"translation's placeholders differ: {entry.id!r} -> {kept.string!r}")
    used = {(entry.id, entry.context) for entry in template if entry.id}
    found += [
        f"no longer in the code: {entry.id!r}"
        for entry in catalog
        if entry.id and (entry.id, entry.context) not in used
    ]
    return found


def _where(entry: object) -> str:
    locations = getattr(entry, "locations", [])
    return ", ".join(f"{path}:{line}" for path, line in locations[:2])


def _placeholders(text: object) -> list[str]:
    """The {name:spec} fields of a text (every form of a plural), sorted."""
    texts = text if isinstance(text, tuple) else (text,)
    return sorted(
        {
            f"{name}:{spec}"
            for t in texts
            for _, name, spec, _ in string.Formatter().parse(str(t))
            if name is not None
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on problems")
    args = parser.parse_args(argv)
    template = extracted()
    catalog = current() if CATALOGUE.exists() else Catalog(locale="sv_SE", domain="enms")
    catalog.header_comment = HEADER
    if args.check:
        found = problems(catalog, template)
        for problem in found:
            print(problem)
        print(f"{len(template)} texts, {len(found)} problems")
        return 1 if found else 0
    created = catalog.creation_date  # the header changes only when the texts do
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.creation_date = created
    catalog.fuzzy = False
    CATALOGUE.parent.mkdir(parents=True, exist_ok=True)
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, include_previous=False)
    left = problems(catalog, template)
    print(f"{CATALOGUE.relative_to(REPO)}: {len(template)} texts, {len(left)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
