"""Compile the interface's gettext catalogues (``.po`` -> ``.mo``) when the package is built.

The compiled files are never kept in the repository; ``make catalogues`` builds them for a
checkout, and this hook for a wheel (and for an editable install, beside the sources).
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CataloguesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        for po in sorted((root / "pnen_explorer" / "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as target:
                write_mo(target, catalog)
            if self.target_name == "wheel" and version == "standard":
                build_data["force_include"][str(mo)] = mo.relative_to(root).as_posix()
