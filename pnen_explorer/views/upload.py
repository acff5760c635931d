"""A file upload that refuses a file over the size limit in the page, before it is sent.

``ipywidgets.FileUpload`` sends any file whole through the kernel's websocket, and a file over
the server's message limit closed the connection without a word. ``UploadButton`` checks the
size in the browser (``static/upload.js``): a larger file is refused there in words and never
sent; an accepted one arrives as one binary message. The kernel checks the size again (a page
can be bypassed) and answers every message, so the page never waits.

``value`` mirrors ``FileUpload``: a tuple with one dict (``name``, ``size``, ``content``), set
anew for every file (so the same file chosen twice is seen twice); observe it with
``observe(callback, names="value")``.

Its words are the language's spoken where it is built: the page's own (the refusal of a file too
large, "Sending …") travel as the synced ``texts`` (templates with ``{name}``, ``{size}``,
``{limit}``, ``{error}`` that the page fills in), so no sentence is written in the JavaScript;
the kernel's answers are written in the same language. Setting ``description`` (the page's view
does so in the language it speaks) brings them all to the language spoken there.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anywidget
import traitlets

from pnen_explorer.i18n import _, current, speaking

log = logging.getLogger(__name__)


def _megabytes(size: int) -> str:
    """'12.0 MB', or '3 KB' below a megabyte (as the page writes it)."""
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, round(size / 1024))} KB"


def page_texts() -> dict[str, str]:
    """The page's own sentences in the current language, as templates ``upload.js`` fills in."""
    return {
        "too_large": _(
            "{name}: the file is {size}; files of at most {limit} are accepted. Nothing was "
            "sent and nothing was added."
        ),
        "sending": _("Sending {name} ({size})…"),
        "unreadable": _("{name} could not be read by the browser: {error}"),
    }


class UploadButton(anywidget.AnyWidget):
    """A button that opens the file picker; files over ``max_bytes`` are refused in the page.

    Its sentences are in the language spoken where it was built or its ``description`` was last
    set.
    """

    _esm = Path(__file__).resolve().parent.parent / "static" / "upload.js"
    description = traitlets.Unicode("Upload").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(2 * 2**20).tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    value = traitlets.Tuple()

    def __init__(self, *, max_bytes: int, accept: str = "", description: str = "", **kwargs):
        self.language = current()
        super().__init__(
            max_bytes=max_bytes,
            accept=accept,
            description=description,
            texts=page_texts(),
            **kwargs,
        )
        self.on_msg(self._on_message)

    @traitlets.observe("description")
    def _follow_description(self, _change: object) -> None:
        """A description set in another language brings the page's sentences and the kernel's
        answers with it."""
        self.language = current()
        self.texts = page_texts()

    def _on_message(self, _widget: object, content: dict, buffers: list) -> None:
        with speaking(self.language):
            self._answer(content, buffers)

    def _answer(self, content: dict, buffers: list) -> None:
        if not isinstance(content, dict) or content.get("kind") != "file":
            return
        name = str(content.get("name") or _("uploaded file"))[:255]
        data = bytes(buffers[0]) if buffers else b""
        if len(data) > self.max_bytes:
            text = _(
                "{name}: the file is {size}; files of at most {limit} are accepted. Nothing was "
                "added."
            ).format(name=name, size=_megabytes(len(data)), limit=_megabytes(self.max_bytes))
            self.send({"kind": "refused", "text": text})
            return
        try:
            self.value = ()
            self.value = ({"name": name, "size": len(data), "content": memoryview(data)},)
        except Exception:  # the page must get an answer, or its button stays disabled
            log.exception("handling the upload of %s failed", name)
            text = _("{name} could not be read; nothing was added.").format(name=name)
            self.send({"kind": "refused", "text": text})
            return
        text = _("{name} received ({size}).").format(name=name, size=_megabytes(len(data)))
        self.send({"kind": "received", "text": text})
