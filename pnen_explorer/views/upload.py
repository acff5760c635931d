"""A file upload that refuses a file over the size limit in the page, before it is sent.

``ipywidgets.FileUpload`` sends any file whole through the kernel's websocket, and a file over
the server's message limit closed the connection without a word. ``UploadButton`` checks the
size in the browser (``static/upload.js``): a larger file is refused there in words and never
sent; an accepted one arrives as one binary message. The kernel checks the size again (a page
can be bypassed) and answers every message, so the page never waits.

``value`` mirrors ``FileUpload``: a tuple with one dict (``name``, ``size``, ``content``), set
anew for every file (so the same file chosen twice is seen twice); observe it with
``observe(callback, names="value")``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anywidget
import traitlets

log = logging.getLogger(__name__)


def _megabytes(size: int) -> str:
    """'12.0 MB', or '3 KB' below a megabyte (as the page writes it)."""
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, round(size / 1024))} KB"


class UploadButton(anywidget.AnyWidget):
    """A button that opens the file picker; files over ``max_bytes`` are refused in the page."""

    _esm = Path(__file__).resolve().parent.parent / "static" / "upload.js"
    description = traitlets.Unicode("Upload").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(2 * 2**20).tag(sync=True)
    value = traitlets.Tuple()

    def __init__(self, *, max_bytes: int, accept: str = "", description: str = "", **kwargs):
        super().__init__(max_bytes=max_bytes, accept=accept, description=description, **kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget: object, content: dict, buffers: list) -> None:
        if not isinstance(content, dict) or content.get("kind") != "file":
            return
        name = str(content.get("name") or "uploaded file")[:255]
        data = bytes(buffers[0]) if buffers else b""
        if len(data) > self.max_bytes:
            self.send(
                {
                    "kind": "refused",
                    "text": f"{name}: the file is {_megabytes(len(data))}; files of at most "
                    f"{_megabytes(self.max_bytes)} are accepted. Nothing was added.",
                }
            )
            return
        try:
            self.value = ()
            self.value = ({"name": name, "size": len(data), "content": memoryview(data)},)
        except Exception:  # the page must get an answer, or its button stays disabled
            log.exception("handling the upload of %s failed", name)
            self.send({"kind": "refused", "text": f"{name} could not be read; nothing was added."})
            return
        self.send({"kind": "received", "text": f"{name} received ({_megabytes(len(data))})."})
