"""A download built when asked for: the page sends a click, the kernel answers with the file.

A data URI in the page would have to be rebuilt (and sent) on every redraw, whether or not
anyone downloads; with a 2 MB upload that was about 3 MB through the websocket per change.

The page's view sets ``label`` in the language it speaks; the button's other words (the label
while the file is built, a failure written into the file) follow the language spoken where the
label was last set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from pnen_explorer.i18n import _, current, speaking

log = logging.getLogger(__name__)


class DownloadButton(anywidget.AnyWidget):
    """A button; ``build()`` is called on click and its text is saved as ``filename``."""

    _esm = Path(__file__).resolve().parent.parent / "static" / "download.js"
    label = traitlets.Unicode().tag(sync=True)
    preparing = traitlets.Unicode().tag(sync=True)
    """The label while the file is built: a template with ``{label}`` that the page fills in."""
    filename = traitlets.Unicode().tag(sync=True)
    mime = traitlets.Unicode("text/plain").tag(sync=True)

    def __init__(self, label: str, filename: str, mime: str, build: Callable[[], str]):
        self.language = current()
        super().__init__(
            label=label, preparing=_("{label} (preparing…)"), filename=filename, mime=mime
        )
        self.build = build
        self.on_msg(self._on_message)

    @traitlets.observe("label")
    def _follow_label(self, _change: object) -> None:
        """A label set in another language brings the button's other words with it."""
        self.language = current()
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
