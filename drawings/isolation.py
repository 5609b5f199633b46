"""The one isolated runner for untrusted drawing files: a warm fork server.

Parsing a hostile or huge drawing may hang, exhaust memory or crash the interpreter, so no file
is ever parsed in a worker's own process. The worker keeps one helper process (started with
``subprocess``: Celery prefork children are daemonic and may not use ``multiprocessing``)
running ``serve()``, which imports ezdxf/pypdf once (a fresh interpreter per file would cost
~0.5 s of imports, more than analysing most drawings). For each request the helper forks a
child that applies the memory limit, runs the job (``analyse_file`` or a DXF diff), writes the
JSON result to a file and exits; the helper enforces the time limit (SIGKILL), ends a child
stuck at its memory limit and reports crashes, so a hostile file can take down only its own
child. The helper is single-threaded (forking from a threaded process is unsafe) and handles
many requests at once; it answers on a private copy of fd 1 and decodes requests
incrementally.

Protocol: one JSON object per line. Request ``{"id", "path", "preview", "filename", "timeout",
"maxMemoryMb"}`` (a diff adds ``"op": "diff"`` and ``"other"``; a DWG→DXF conversion is
``"op": "dwg-to-dxf"`` writing the DXF to ``"preview"``); reply ``{"id", "result"}``, the
result the child's encoded ``Analysis`` object as it wrote it (UTF-8 JSON without newlines).
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import json
import logging
import mmap
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from drawings.formats.analysis import Analysis, decode, encode, failed

log = logging.getLogger(__name__)

_OUT_OF_MEMORY = "图纸解析所需内存超过限制，文件可能过大或已损坏。"
_GRACE_S = 15.0  # client-side margin over the server-enforced limit
# A child at its address-space limit is looked at this often, and killed as out of memory once
# it has stayed there this long (see _stuck_at_limit); below the headroom no arena can be mapped.
_MEMORY_CHECK_S = 0.25
_STUCK_AT_LIMIT_S = 1.0
_LIMIT_HEADROOM = 2 * 1024 * 1024
_PAGE_SIZE = mmap.PAGESIZE  # /proc/<pid>/statm counts pages


# -- server (runs in the helper process) ----------------------------------------------------------


@dataclass
class _Job:
    request_id: int
    pid: int
    deadline: float
    result_path: str
    timeout: float
    memory_limit: int | None = None  # bytes of address space (RLIMIT_AS)
    at_limit_since: float | None = None


def serve(stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> None:
    """The helper's main loop; returns when stdin closes (the client went away)."""
    import ezdwg  # noqa: F401 - a DWG child would import it anew each time (~0.25 s)

    import drawings.formats.analysis
    import drawings.formats.dwg
    import drawings.formats.dxf
    import drawings.formats.pdf  # noqa: F401

    _warm_up()
    # Children inherit the imported modules copy-on-write; freezing the collector's view of
    # them keeps each child's garbage collections from touching (and so copying) those pages.
    gc.collect()
    gc.freeze()
    stdin = stdin or sys.stdin
    if stdout is None:
        # The protocol gets a private copy of fd 1; fd 1 and sys.stdout then point at stderr, so
        # a library that prints (from Python or C) cannot corrupt a reply line.
        stdout = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    decoder = codecs.getincrementaldecoder("utf-8")()  # a read may split a UTF-8 character
    scratch = tempfile.mkdtemp(prefix="oneset-forkserver-")
    jobs: dict[int, _Job] = {}
    # A child's exit wakes the loop at once (SIGCHLD → wake-up pipe) instead of on a poll tick.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(stdin, selectors.EVENT_READ, "requests")
    selector.register(wake_read, selectors.EVENT_READ, "wake")
    open_input = True
    buffer = ""
    while open_input or jobs:
        deadlines = [job.deadline for job in jobs.values()]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        if any(job.memory_limit for job in jobs.values()):
            timeout = _MEMORY_CHECK_S if timeout is None else min(timeout, _MEMORY_CHECK_S)
        for key, _ in selector.select(timeout=timeout):
            if key.data == "wake":
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 4096)
                continue
            chunk = decoder.decode(os.read(stdin.fileno(), 65536))
            if not chunk:
                open_input = False
                selector.unregister(stdin)
            buffer += chunk
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                if line.strip():
                    job = _start(json.loads(line), scratch, stdout.fileno())
                    jobs[job.pid] = job
        _reap(jobs, stdout)
    with contextlib.suppress(OSError):
        os.rmdir(scratch)


def _warm_up() -> None:
    """Load the common fonts and glyphs and analyse a tiny drawing once here, so fonts and
    other lazy caches are in memory before forking instead of loaded in every child."""
    import ezdxf

    from drawings.formats.analysis import analyse_file
    from drawings.formats.cjk_font import warm_fonts

    warm_fonts()
    with tempfile.TemporaryDirectory(prefix="oneset-warmup-") as tmp:
        doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
        msp = doc.modelspace()
        msp.add_line((0, 0), (10, 10))
        msp.add_text("预热 warm-up", dxfattribs={"height": 2.5})
        msp.add_mtext("多行文字")
        path = Path(tmp) / "warm.dxf"
        doc.saveas(path)
        analyse_file(path, Path(tmp) / "warm.svg")


def _start(request: dict[str, Any], scratch: str, protocol_fd: int) -> _Job:
    result_path = os.path.join(scratch, f"{request['id']}.json")
    pid = os.fork()
    if pid == 0:  # child: never returns
        _child(request, result_path, protocol_fd)
    timeout = float(request["timeout"])
    return _Job(
        int(request["id"]),
        pid,
        time.monotonic() + timeout,
        result_path,
        timeout,
        memory_limit=_memory_limit(request),
    )


def _memory_limit(request: dict[str, Any]) -> int | None:
    limit_mb = request.get("maxMemoryMb")
    return int(limit_mb) * 1024 * 1024 if limit_mb else None


def _child(request: dict[str, Any], result_path: str, protocol_fd: int) -> None:
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError):
            os.close(protocol_fd)  # only the server answers on the protocol pipe
        os.dup2(devnull, 1)
        os.dup2(devnull, 0)
        limit = _memory_limit(request)
        if limit:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from drawings.formats import split_drawing
        from drawings.formats.analysis import analyse_file

        split_drawing.allow()  # single-threaded, one file: may fork a drawing helper
        # A child lives for one file: raise the collector's first threshold so it does not
        # rescan the document's young objects over and over (cycles are still collected).
        gc.set_threshold(50_000, 20, 100)
        try:
            if request.get("op") == "diff":
                result = _diff_job(request)
            elif request.get("op") == "dwg-to-dxf":
                from drawings.formats.dwg import convert_dwg

                result = convert_dwg(Path(request["path"]), Path(request["preview"]))
            else:
                result = analyse_file(
                    Path(request["path"]),
                    Path(request["preview"]) if request.get("preview") else None,
                    request.get("filename") or None,
                )
        except MemoryError:
            result = failed(None, _OUT_OF_MEMORY)
        except Exception as error:  # last line of defence: a reason, not a traceback
            result = failed(None, f"图纸解析时发生内部错误（{type(error).__name__}），已记录。")
        with open(result_path + ".tmp", "wb") as out:
            out.write(encode(result))
        os.replace(result_path + ".tmp", result_path)
        code = 0
    except MemoryError:
        code = 3
    finally:
        os._exit(code)


def _diff_job(request: dict[str, Any]) -> Analysis:
    """Diff two DXF or DWG files (the summary travels as ``metadata``, the overlay SVG as a file),
    or the text of two PDFs (named ``*.pdf``)."""
    if Path(request["path"]).suffix == Path(request["other"]).suffix == ".pdf":
        from drawings.formats.pdf_diff import diff_pdf_files

        summary = diff_pdf_files(Path(request["path"]), Path(request["other"]))
        return Analysis(status="ready", format="pdf", metadata=summary)
    from drawings.formats.diff_overlay import render_overlay
    from drawings.formats.dwg import load_document
    from drawings.formats.dxf import DxfLoadError
    from drawings.formats.dxf_diff import diff_dxf

    try:  # a DWG side is read with ezdwg and converted to an ezdxf document
        old_doc, old_dwg = load_document(Path(request["path"]))
        new_doc, new_dwg = load_document(Path(request["other"]))
    except DxfLoadError as error:
        return failed("dxf", error.reason)
    diff = diff_dxf(
        old_doc, new_doc, converted_old=old_dwg is not None, converted_new=new_dwg is not None
    )
    # A converted DWG is an R2010 document: the version compared is the DWG's own.
    diff.old_version = old_dwg or diff.old_version
    diff.new_version = new_dwg or diff.new_version
    summary = diff.summary()
    svg = render_overlay(old_doc, new_doc, diff)
    overlay = request.get("preview")
    if svg is not None and overlay:
        Path(overlay).write_text(svg, encoding="utf-8")
    return Analysis(
        status="ready",
        format="dxf",
        metadata=summary,
        preview_path=overlay if svg is not None and overlay else None,
    )


def _reap(jobs: dict[int, _Job], stdout: IO[str]) -> None:
    now = time.monotonic()
    for pid, job in list(jobs.items()):
        if now > job.deadline:
            reason = f"图纸解析超时（超过 {job.timeout:g} 秒），文件可能过大或结构异常。"
            _kill(jobs.pop(pid), stdout, reason)
            continue
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            if _stuck_at_limit(job, now):
                _kill(jobs.pop(pid), stdout, _OUT_OF_MEMORY)
            continue
        del jobs[pid]
        _reply(stdout, job, _outcome(job, status))


def _kill(job: _Job, stdout: IO[str], reason: str) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(job.pid, signal.SIGKILL)
    os.waitpid(job.pid, 0)
    _reply(stdout, job, failed(None, reason))


def _stuck_at_limit(job: _Job, now: float) -> bool:
    """Whether a child has stayed at its memory limit for ``_STUCK_AT_LIMIT_S``.

    A child that cannot allocate normally fails at once with a MemoryError. But CPython 3.11 may
    spin instead: when unwinding to an exception handler it allocates the saved instruction
    offset (``PyLong_FromLong(lasti)`` in ceval.c) and on failure unwinds again, forever, while
    nothing frees memory. Such a child would burn a core until its deadline and then be reported
    as timed out (seen once in CI, and in 1 of ~25 runs of a 64 MB limit on a loaded machine);
    it is ended here as what it is, out of memory.
    """
    if job.memory_limit is None:
        return False
    size = _address_space(job.pid)
    if size is None or size < job.memory_limit - _LIMIT_HEADROOM:
        job.at_limit_since = None
        return False
    if job.at_limit_since is None:
        job.at_limit_since = now
    return now - job.at_limit_since >= _STUCK_AT_LIMIT_S


def _address_space(pid: int) -> int | None:
    """A process's mapped address space (what RLIMIT_AS limits), or None where unknown."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[0]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _outcome(job: _Job, status: int) -> Analysis | bytes:
    """The child's encoded result as it wrote it (passed on without decoding), or a failure."""
    if os.WIFSIGNALED(status):
        return failed(
            None, f"图纸解析进程异常终止（信号 {os.WTERMSIG(status)}），文件可能过大或已损坏。"
        )
    code = os.WEXITSTATUS(status)
    if code == 3:
        return failed(None, _OUT_OF_MEMORY)
    try:
        with open(job.result_path, "rb") as handle:
            encoded = handle.read()
    except OSError:
        encoded = b""
    finally:
        with contextlib.suppress(OSError):
            os.unlink(job.result_path)
    if encoded.startswith(b"{") and encoded.endswith(b"}") and b"\n" not in encoded:
        return encoded
    return failed(None, f"图纸解析进程异常退出（代码 {code}）。")


def _reply(stdout: IO[str], job: _Job, result: Analysis | bytes) -> None:
    encoded = result if isinstance(result, bytes) else encode(result)
    stdout.write(f'{{"id":{job.request_id},"result":{encoded.decode()}}}\n')
    stdout.flush()


# -- client (runs in the worker) ------------------------------------------------------------------


class _Reply(msgspec.Struct):
    """One reply line: the request's id and the child's encoded ``Analysis`` (decoded once,
    here; the server passes the child's bytes on)."""

    id: int
    result: msgspec.Raw


@dataclass
class _Pending:
    event: threading.Event = field(default_factory=threading.Event)
    result: Analysis | None = None


class ForkServerClient:
    """Thread-safe handle on one helper process; restarts it if it dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards _process, _reader, _pending, _next
        self._write_lock = threading.Lock()  # one request line at a time; never held with _lock
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._pending: dict[int, _Pending] = {}
        self._next = 0

    def _ensure(self) -> subprocess.Popen[bytes]:
        alive = self._reader is not None and self._reader.is_alive()
        if self._process is not None and self._process.poll() is None and alive:
            return self._process
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # its reader is gone: nobody would ever see its replies
        self._fail_all("图纸解析服务进程意外退出，请重试。")
        env = {
            **os.environ,
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "drawings.isolation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._reader = threading.Thread(
            target=self._read, args=(self._process,), daemon=True, name="analysis-forkserver-reader"
        )
        self._reader.start()
        return self._process

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None  # noqa: S101 - created with stdout=PIPE
        try:
            for raw in process.stdout:
                self._deliver(raw)
        finally:
            with self._lock:
                if self._process is process:
                    self._fail_all("图纸解析服务进程意外退出，请重试。")

    def _deliver(self, raw: bytes) -> None:
        try:
            reply = msgspec.json.decode(raw, type=_Reply)
        except msgspec.DecodeError:
            log.exception("unreadable fork-server reply: %r", raw[:200])
            return
        request_id = reply.id
        try:
            result = decode(bytes(reply.result))
        except (ValueError, KeyError, TypeError) as error:
            log.exception("undecodable analysis result")
            result = failed(None, f"图纸解析结果无法读取（{type(error).__name__}）。")
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is not None:
            pending.result = result
            pending.event.set()

    def _fail_all(self, reason: str) -> None:
        for pending in self._pending.values():
            pending.result = failed(None, reason)
            pending.event.set()
        self._pending.clear()

    def analyse(
        self,
        path: Path,
        *,
        timeout_s: float,
        preview_path: Path | None = None,
        filename: str | None = None,
        max_memory_mb: int | None = None,
    ) -> Analysis:
        return self._call(
            {
                "path": str(path),
                "preview": str(preview_path) if preview_path else None,
                "filename": filename,
                "maxMemoryMb": max_memory_mb,
            },
            timeout_s,
        )

    def diff(
        self,
        old: Path,
        new: Path,
        *,
        timeout_s: float,
        overlay_path: Path | None = None,
        max_memory_mb: int | None = None,
    ) -> Analysis:
        """Entity diff of two DXF/DWG files, or text diff of two PDFs, in a child: the summary
        is ``metadata``."""
        return self._call(
            {
                "op": "diff",
                "path": str(old),
                "other": str(new),
                "preview": str(overlay_path) if overlay_path else None,
                "maxMemoryMb": max_memory_mb,
            },
            timeout_s,
        )

    def dwg_to_dxf(
        self, dwg: Path, target: Path, *, timeout_s: float, max_memory_mb: int | None = None
    ) -> Analysis:
        """Convert a DWG to a DXF file ``target`` in a child (``formats.dwg.convert_dwg``)."""
        return self._call(
            {
                "op": "dwg-to-dxf",
                "path": str(dwg),
                "preview": str(target),
                "maxMemoryMb": max_memory_mb,
            },
            timeout_s,
        )

    def _call(self, fields: dict[str, Any], timeout_s: float) -> Analysis:
        pending = _Pending()
        with self._lock:
            process = self._ensure()
            self._next += 1
            request_id = self._next
            self._pending[request_id] = pending
        request = {"id": request_id, "timeout": timeout_s, **fields}
        try:
            with self._write_lock:
                assert process.stdin is not None  # noqa: S101 - created with stdin=PIPE
                process.stdin.write((json.dumps(request) + "\n").encode())
                process.stdin.flush()
        except OSError:
            with self._lock:
                self._pending.pop(request_id, None)
            return failed(None, "无法连接图纸解析服务进程，请重试。")
        if not pending.event.wait(timeout_s + _GRACE_S) or pending.result is None:
            with self._lock:
                self._pending.pop(request_id, None)
            return failed(None, f"图纸解析超时（超过 {timeout_s:g} 秒），文件可能过大或结构异常。")
        return pending.result

    @property
    def pid(self) -> int:
        """The helper's process id (started if needed)."""
        with self._lock:
            return self._ensure().pid

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None and process.stdin is not None:
            process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


_client: list[ForkServerClient] = []
_client_lock = threading.Lock()


def client() -> ForkServerClient:
    """This process's fork-server client (created on first use)."""
    with _client_lock:
        if not _client:
            _client.append(ForkServerClient())
        return _client[0]


def analyse_isolated(
    path: Path,
    *,
    timeout_s: float,
    preview_path: Path | None = None,
    filename: str | None = None,
    max_memory_mb: int | None = None,
) -> Analysis:
    return client().analyse(
        path,
        timeout_s=timeout_s,
        preview_path=preview_path,
        filename=filename,
        max_memory_mb=max_memory_mb,
    )


if __name__ == "__main__":
    # Damaged files make ezdxf/pypdf log a warning per repaired object: keep only errors.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    serve()
