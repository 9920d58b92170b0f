"""The CQL2 parser, run in child processes with a time limit.

Why not in the server process: ``cql2`` (Rust, pest) backtracks through nested brackets, and on
text that fails to parse deep inside them its time doubles per level (18 brackets: 0.7 s; a
few hundred conditions under 12 brackets: 4 s), all of it holding the GIL, so every other request
waits. It also overflows its native stack on deep input (a segfault). A Python thread cannot be
interrupted, but a process can: each parse goes to one of a few long-lived child processes over
a pipe (about a tenth of a millisecond), and a parse that exceeds
``PLANMAP_FILTER_PARSE_TIMEOUT_S`` kills that child (a new one takes its place) and becomes a 400
saying the filter is too complex. The linear checks in :mod:`planmap.api.cql` still run first,
so almost every bad filter is refused before it gets here.
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time

from .. import config
from .errors import ProblemError

_CHILD = r"""
import json, sys
import cql2
for line in sys.stdin:
    req = json.loads(line)
    try:
        expr = cql2.parse_text(req["text"]) if req["lang"] == "cql2-text" else cql2.parse_json(req["text"])
        out = {"tree": expr.to_json()}
    except (cql2.ParseError, ValueError) as exc:
        out = {"syntax": str(exc)}
    except Exception as exc:
        out = {"invalid": str(exc)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
"""


class ParseSyntaxError(ValueError):
    """The parser's own message for text that is not CQL2 (it names a line and column)."""


class ParseInvalid(ValueError):
    """Other refusals by the binding (e.g. JSON that is no CQL2 expression)."""


class _Child:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""

    def ask(self, lang: str, text: str, timeout: float) -> dict | None:
        """The child's answer, or None if it took longer than ``timeout`` or died."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps({"lang": lang, "text": text}).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # the child died (a crash in the parser)
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


class ParserPool:
    """A few child parsers; a request borrows one, and a timed-out one is replaced."""

    def __init__(self, size: int = 2):
        self.size = size
        self._idle: queue.Queue[_Child | None] = queue.Queue()
        for _ in range(size):
            self._idle.put(None)  # started on first use
        self._all: set[_Child] = set()
        self._lock = threading.Lock()

    def parse(self, lang: str, text: str) -> object:
        timeout = config.FILTER_PARSE_TIMEOUT_S
        try:
            child = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ProblemError(503, "every filter parser is busy with other filters; try again "
                                    "in a moment", headers={"Retry-After": "2"}) from None
        try:
            if child is None or child.proc.poll() is not None:
                child = self._start()
            answer = child.ask(lang, text, timeout)
            if answer is None:
                self._stop(child)
                child = None
                raise ProblemError(400, f"filter: too complex to parse within {timeout:g} s; "
                                        "use fewer nested brackets (the parser's work doubles "
                                        "with each level when the text has an error inside)")
        finally:
            self._idle.put(child)
        if "tree" in answer:
            return answer["tree"]
        if "syntax" in answer:
            raise ParseSyntaxError(answer["syntax"])
        raise ParseInvalid(answer["invalid"])

    def _start(self) -> _Child:
        child = _Child()
        with self._lock:
            self._all.add(child)
        return child

    def _stop(self, child: _Child) -> None:
        child.kill()
        with self._lock:
            self._all.discard(child)

    def close(self) -> None:
        with self._lock:
            children, self._all = list(self._all), set()
        for child in children:
            child.kill()


POOL = ParserPool()
atexit.register(POOL.close)
