"""The dashboard's server: Voila with a kernel budget, a Host check and words for every refusal.

``pnen-explorer dashboard`` runs ``python -m pnen_explorer.server dashboard.ipynb`` with the
configuration in ``notebooks/voila.json``. What it adds to Voila 0.5:

* **A kernel budget** (:class:`BudgetKernelManager`, named in ``voila.json``): at most
  ``max_kernels`` kernels at once, the preheated pool included. A page asked for when all are
  taken gets a short page saying, in words, that the server is full and to try again shortly
  (HTTP 503 with ``Retry-After``), and no kernel is started for it. The pool is refilled only
  within the budget, and again when a kernel ends.
* **Idle kernels end, loading pages keep theirs**: a kernel whose page was closed ends
  ``closed_page_grace`` seconds after its last connection went (a timer of its own; Voila's
  unload request is refused by the server); a kernel given to a page that has not connected yet
  is kept ``page_connect_timeout`` seconds (10 minutes by default: under load a browser may need
  minutes to load the page before it connects, and Jupyter's idle culler would end its kernel
  after ``cull_idle_timeout``), then left to that culler; one whose page stays open but unused
  ends after ``connected_idle_timeout`` seconds (30 minutes by default; Jupyter's culler alone
  never ends a connected kernel). Jupyter's culler (``cull_idle_timeout``, every
  ``cull_interval`` seconds) is also what checks the last two, so it must stay on.
* **Kernels that cannot start say so**: kernels talk over IPC sockets (``KernelManager.transport
  = "ipc"`` in ``voila.json``), so kernels started together cannot collide on TCP ports; and a
  page whose kernel fails or dies before the dashboard is drawn ends with a message in words
  instead of waiting forever.
* **Only local Host headers** (:class:`ClassroomVoila`): bound to loopback, the server answers
  only requests whose ``Host`` names a loopback address, ``localhost`` or a name configured in
  ``local_hostnames``; any other Host (the first step of DNS rebinding) gets 403 and a sentence.
  The kernel websocket is refused for a foreign Host, and for a foreign Origin as in Jupyter.
* **Websocket messages up to ``websocket_max_message_size``** (16 MiB): the page refuses larger
  uploads itself (``views/upload.py``), and one sent past the page still reaches the kernel,
  which answers it with the size limit in words.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import ipaddress
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ensure_async
from tornado import web
from tornado.log import app_log
from traitlets import Int, List, Unicode

DEFAULT_MAX_KERNELS = 24
"""A class of 20, Voila's preheated pool of 2, and 2 to spare."""


class ServerFull(web.HTTPError):
    """Every kernel of the budget is in use: the page is told to try again shortly."""

    def __init__(self, limit: int):
        super().__init__(503, reason="Server full")
        self.limit = limit


@dataclass
class _PageKernel:
    """The kernel started for the page being served (set by the kernel manager)."""

    kernel_id: str | None = None


_PAGE: contextvars.ContextVar[_PageKernel | None] = contextvars.ContextVar(
    "pnen_page_kernel", default=None
)


class BudgetKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with a ceiling on kernels and a cull for idle open pages."""

    max_kernels = Int(
        DEFAULT_MAX_KERNELS,
        config=True,
        help="Most kernels at once, preheated ones included; past it a page says the server "
        "is full.",
    )
    connected_idle_timeout = Int(
        30 * 60,
        config=True,
        help="Seconds without any activity after which a kernel is ended even though its page "
        "is still connected (0: never).",
    )
    closed_page_grace = Int(
        60,
        config=True,
        help="Seconds after a kernel's last page connection closed before the kernel is ended "
        "(a page that reconnects within this keeps it; 0: leave it to the idle culler).",
    )
    page_connect_timeout = Int(
        10 * 60,
        config=True,
        help="Seconds a kernel given to a page is kept while that page has not connected to it "
        "yet (a browser short of CPU may take minutes); after that the idle culler may end it.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting: set[str] = set()
        self._closing: dict[str, asyncio.TimerHandle] = {}
        self._awaiting_page: dict[str, float] = {}  # kernel id -> when given to its page
        self._stopping = False

    # --- the budget -------------------------------------------------------------------------

    def kernels_in_use(self) -> int:
        """Kernels running or starting (the preheated pool included)."""
        return len(set(self._kernels) | set(self._starting))

    async def start_kernel(self, *args, **kwargs):
        env = kwargs.get("env") or {}
        for_pool = str(env.get("VOILA_PREHEAT")) == "True"
        if self.kernels_in_use() >= self.max_kernels:
            if for_pool:
                self._leave_pool()
            self.log.warning(
                "Kernel budget of %d reached: %s refused",
                self.max_kernels,
                "pool refill" if for_pool else "page",
            )
            raise ServerFull(self.max_kernels)
        kernel_id = kwargs.pop("kernel_id", None) or str(uuid.uuid4())
        self._starting.add(kernel_id)
        try:
            kernel_id = await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        finally:
            self._starting.discard(kernel_id)
        page = _PAGE.get()
        if page is not None and not for_pool:
            page.kernel_id = kernel_id
            self.given_to_page(kernel_id)
        return kernel_id

    def given_to_page(self, kernel_id: str) -> None:
        """Note that a page was sent with this kernel: it is kept until the page connects (or
        ``page_connect_timeout`` passes)."""
        if kernel_id in self._kernels or kernel_id in self._starting:
            self._awaiting_page.setdefault(kernel_id, time.monotonic())

    def _leave_pool(self) -> None:
        """Take the refill task that is running this start out of Voila's pool and cancel it:
        a pool entry that could only fail would fail the page that takes it."""
        task = asyncio.current_task()
        for pool in getattr(self, "_pools", {}).values():
            if task in pool:
                pool.remove(task)
                raise asyncio.CancelledError

    def _refill_pool(self) -> None:
        """Start preheated kernels again, within the budget, once a kernel has ended."""
        fill = getattr(self, "fill_if_needed", None)
        name = getattr(self, "notebook_path", None)
        if self._stopping or fill is None or name is None:
            return
        if self.kernels_in_use() < self.max_kernels:
            fill(delay=None, notebook_name=name)

    async def shutdown_all(self, *args, **kwargs):
        self._stopping = True
        for handle in self._closing.values():
            handle.cancel()
        self._closing.clear()
        return await ensure_async(super().shutdown_all(*args, **kwargs))

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        handle = self._closing.pop(kernel_id, None)
        if handle is not None:
            handle.cancel()
        self._awaiting_page.pop(kernel_id, None)
        result = await ensure_async(super().shutdown_kernel(kernel_id, *args, **kwargs))
        self._refill_pool()
        return result

    def remove_kernel(self, kernel_id):
        self._closing.pop(kernel_id, None)
        self._awaiting_page.pop(kernel_id, None)
        result = super().remove_kernel(kernel_id)
        self._refill_pool()
        return result

    # --- ending kernels nobody uses -----------------------------------------------------------

    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        self._awaiting_page.pop(kernel_id, None)

    def notify_disconnect(self, kernel_id):
        super().notify_disconnect(kernel_id)
        self.end_unless_connected(kernel_id)

    def end_unless_connected(self, kernel_id: str) -> None:
        """End the kernel ``closed_page_grace`` seconds from now unless a page connects to it
        again (called when its last connection closed). A page that was sent but has not yet
        connected keeps its kernel for ``page_connect_timeout`` (see ``cull_kernel_if_idle``)."""
        if self.closed_page_grace > 0 and self._kernel_connections.get(kernel_id) == 0:
            loop = asyncio.get_event_loop()
            previous = self._closing.pop(kernel_id, None)
            if previous is not None:
                previous.cancel()
            self._closing[kernel_id] = loop.call_later(
                self.closed_page_grace,
                lambda: asyncio.ensure_future(self._end_if_closed(kernel_id)),
            )

    async def _end_if_closed(self, kernel_id: str) -> None:
        self._closing.pop(kernel_id, None)
        if kernel_id in self._kernels and self._kernel_connections.get(kernel_id, 0) == 0:
            self.log.info("Ending kernel %s: its page closed", kernel_id)
            with contextlib.suppress(KeyError, RuntimeError):  # ended meanwhile
                await self.shutdown_kernel(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return None
        connected = self._kernel_connections.get(kernel_id, 0) > 0
        state = getattr(kernel, "execution_state", None)
        given = self._awaiting_page.get(kernel_id)
        if not connected and given is not None and state != "dead":
            if time.monotonic() - given < self.page_connect_timeout:
                return None  # its page is still loading: a browser short of CPU is slow
            self._awaiting_page.pop(kernel_id, None)
            self.log.warning(
                "Kernel %s: its page has not connected within %d s",
                kernel_id,
                self.page_connect_timeout,
            )
        if connected and state != "dead" and hasattr(kernel, "last_activity"):
            from jupyter_server._tz import utcnow

            idle = utcnow() - kernel.last_activity
            limit = self.connected_idle_timeout
            if limit > 0 and idle > timedelta(seconds=limit) and state != "busy":
                self.log.warning(
                    "Ending kernel %s: its page is open but unused for %d s",
                    kernel_id,
                    int(idle.total_seconds()),
                )
                await ensure_async(self.shutdown_kernel(kernel_id))
            return None
        return await ensure_async(super().cull_kernel_if_idle(kernel_id))


# --- pages in words ------------------------------------------------------------------------------

_PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:18px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;
color:#222}}h1{{font-size:1.5em}}</style></head>
<body><main role="alert"><h1>{title}</h1><p>{text}</p></main></body></html>
"""

FULL_TITLE = "The server is full"
FULL_TEXT = (
    "All {limit} places on this server are in use. Please try again in a minute or two: a "
    "place frees itself when someone closes the dashboard."
)
NOT_STARTED_TITLE = "The dashboard could not start"
NOT_STARTED_TEXT = (
    "The server could not start a Python kernel for this page. Please reload the page in a "
    "moment; if it happens again, tell the person running the server (its log says why)."
)
STOPPED_TEXT = (
    "The Python kernel of this page stopped before the dashboard was drawn. Please reload the "
    "page; if it happens again, tell the person running the server (its log says why)."
)
FOREIGN_HOST_TEXT = (
    "This server answers only to addresses of the computer it runs on (127.0.0.1, localhost). "
    "The address this request was sent to ({host}) is not one of them."
)


def page_in_words(title: str, text: str) -> str:
    """A whole HTML page with one heading and one paragraph, both escaped."""
    return _PAGE_TEMPLATE.format(title=html.escape(title), text=html.escape(text))


def message_after_partial_page(text: str) -> str:
    """A message for a page whose HTML has begun: shown on top, whatever was drawn."""
    return (
        '<div role="alert" style="position:fixed;top:0;left:0;right:0;z-index:10000;'
        "padding:1em;background:#fff3cd;color:#222;font:18px/1.5 system-ui,sans-serif;"
        f'border-bottom:2px solid #b58900">{html.escape(text)}</div>'
        "<script>document.querySelectorAll('.voila-spinner, #loading')"
        ".forEach(e => e.remove())</script>\n"
    )


_KERNEL_IN_PAGE = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
WATCH_SECONDS = 2.0
"""How often a page being drawn checks that its kernel is still there."""


def _page_handler(base: type) -> type:
    """Voila's page handler, with the budget's refusal and the kernel watch in words."""

    class ClassroomPageHandler(base):
        @web.authenticated
        async def get(self, path=None):
            page = _PageKernel()
            token = _PAGE.set(page)
            try:
                await self._serve(path, page)
            finally:
                _PAGE.reset(token)

        async def _serve(self, path, page: _PageKernel) -> None:
            chunks: asyncio.Queue = asyncio.Queue()

            async def produce() -> None:
                try:
                    async for chunk in self.get_generator(path=path):
                        await chunks.put(("html", chunk))
                except ServerFull as exc:
                    await chunks.put(("full", exc))
                except Exception as exc:  # the page must hear of it, not wait forever
                    self.log.exception("The page's kernel could not start")
                    await chunks.put(("failed", exc))
                else:
                    await chunks.put(("done", None))

            producer = asyncio.ensure_future(produce())
            started = False
            try:
                while True:
                    try:
                        kind, item = await asyncio.wait_for(chunks.get(), WATCH_SECONDS)
                    except TimeoutError:
                        if page.kernel_id and page.kernel_id not in self.kernel_manager:
                            self.log.warning("Kernel %s stopped during its page", page.kernel_id)
                            self._say(started, NOT_STARTED_TITLE, STOPPED_TEXT)
                            return
                        continue
                    if kind == "html":
                        if page.kernel_id is None:
                            found = _KERNEL_IN_PAGE.search(item)
                            page.kernel_id = found.group(1) if found else None
                            given = getattr(self.kernel_manager, "given_to_page", None)
                            if page.kernel_id and given is not None:  # a preheated kernel
                                given(page.kernel_id)
                        self.write(item)
                        self.flush()
                        started = True
                    elif kind == "full":
                        if not started:
                            self.set_header("Retry-After", "60")
                        self._say(
                            started, FULL_TITLE, FULL_TEXT.format(limit=item.limit), status=503
                        )
                        return
                    elif kind == "failed":
                        self._say(started, NOT_STARTED_TITLE, NOT_STARTED_TEXT, status=503)
                        return
                    else:
                        return
            finally:
                if not producer.done():
                    producer.cancel()

        def _say(self, started: bool, title: str, text: str, status: int = 500) -> None:
            if started:
                self.write(message_after_partial_page(text))
            else:
                self.set_status(status)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.write(page_in_words(title, text))

    return ClassroomPageHandler


# --- the Host check ------------------------------------------------------------------------------


def host_is_local(host_header: str, names: list[str] | tuple[str, ...]) -> bool:
    """Whether a ``Host`` header names a loopback address or one of ``names``.

    >>> host_is_local("127.0.0.1:8866", ["localhost"]), host_is_local("[::1]:80", [])
    (True, True)
    >>> host_is_local("localhost:8866", ["localhost"]), host_is_local("evil.example:8891", [])
    (True, False)
    """
    found = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::\d+)?", host_header.strip())
    if not found:
        return False
    host = found.group(1).strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in {n.lower() for n in names}


def _host_guarded(base: type) -> type:
    """The handler class, refusing any request whose Host header is not local."""

    class HostGuarded(base):
        def prepare(self, *args, **kwargs):
            names = self.settings.get("local_hostnames", ["localhost"])
            host = self.request.headers.get("Host", "")
            if not host_is_local(host, names):
                app_log.warning("Refused a request with the foreign Host %r", host)
                self.set_status(403)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                text = FOREIGN_HOST_TEXT.format(host=host[:100])
                self.finish(page_in_words("Not this address", text))
                return None
            return super().prepare(*args, **kwargs)

    HostGuarded.__name__ = HostGuarded.__qualname__ = f"HostGuarded{base.__name__}"
    return HostGuarded


# --- the application -----------------------------------------------------------------------------


def _voila_class():
    from voila.app import Voila

    class ClassroomVoila(Voila):
        """Voila with the budget's pages, the Host check and a larger websocket message limit."""

        classes: ClassVar[list] = [*Voila.classes, BudgetKernelManager]

        local_hostnames = List(
            Unicode(),
            ["localhost"],
            config=True,
            help="Host names (besides loopback addresses) that requests may be addressed to.",
        )
        websocket_max_message_size = Int(
            16 * 2**20,
            config=True,
            help="Largest websocket message accepted from a page, in bytes.",
        )

        def init_settings(self):
            settings = super().init_settings()
            settings["allow_remote_access"] = False  # Jupyter's own Host check, as a second net
            settings["local_hostnames"] = list(self.local_hostnames)
            settings["websocket_max_message_size"] = self.websocket_max_message_size
            return settings

        def init_handlers(self):
            from voila.tornado.handler import TornadoVoilaHandler

            guarded = []
            for spec in super().init_handlers():
                pattern, handler, *rest = spec
                if isinstance(handler, type) and issubclass(handler, TornadoVoilaHandler):
                    handler = _page_handler(handler)
                if isinstance(handler, type) and issubclass(handler, web.RequestHandler):
                    handler = _host_guarded(handler)
                guarded.append((pattern, handler, *rest))
            return guarded

    return ClassroomVoila


def main(argv: list[str] | None = None) -> None:
    """``python -m pnen_explorer.server NOTEBOOK [Voila options]``."""
    _voila_class().launch_instance(argv)


if __name__ == "__main__":
    # Run through the imported module, so the classes voila.json names are the same objects.
    from pnen_explorer import server

    server.main(sys.argv[1:])
