"""A download built when asked for: the page sends a click, the kernel answers with the file.

A data URI in the page would have to be rebuilt (and sent) on every redraw, whether or not
anyone downloads; with a 2 MB upload that was about 3 MB through the websocket per change.

A button's label is given in English and shown in the language spoken where the button is built;
:meth:`DownloadButton.relabel` shows it again in the language spoken where it is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from pnen_explorer.i18n import N_, _, current, speaking

log = logging.getLogger(__name__)

EVIDENCE_CSV = N_("Evidence table (CSV)")
REFERENCES_BIBTEX = N_("References (BibTeX)")
REFERENCES_RIS = N_("References (RIS)")
"""The explorer's download labels (pass the English: the button shows it translated)."""


class DownloadButton(anywidget.AnyWidget):
    """A button; ``build()`` is called on click and its text is saved as ``filename``."""

    _esm = Path(__file__).resolve().parent.parent / "static" / "download.js"
    label = traitlets.Unicode().tag(sync=True)
    preparing = traitlets.Unicode().tag(sync=True)
    """The label while the file is built: a template with ``{label}`` that the page fills in."""
    filename = traitlets.Unicode().tag(sync=True)
    mime = traitlets.Unicode("text/plain").tag(sync=True)

    def __init__(self, label: str, filename: str, mime: str, build: Callable[[], str]):
        self.english = label
        self.language = current()
        super().__init__(
            label=_(label), preparing=_("{label} (preparing…)"), filename=filename, mime=mime
        )
        self.build = build
        self.on_msg(self._on_message)

    def relabel(self) -> None:
        """Show the label in the language spoken here."""
        self.language = current()
        with self.hold_sync():
            self.label = _(self.english)
            self.preparing = _("{label} (preparing…)")

    def _on_message(self, _widget: object, content: dict, _buffers: object) -> None:
        if content.get("kind") != "build":
            return
        with speaking(self.language):
            try:
                text = self.build()
            except Exception:  # the page must get an answer, or its button stays disabled
                log.exception("building %s failed", self.filename)
                text = _("The file could not be built; the server log says why.") + "\n"
        self.send({"kind": "file", "text": text})
