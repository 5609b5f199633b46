"""Analyse one drawing file; run as ``python -m drawings.analyse FILE [--preview OUT.svg]``.

The worker never parses untrusted drawings in its own process: ``run_isolated`` starts this
module in a subprocess with a time and memory limit (Celery prefork children are daemonic and
cannot fork multiprocessing children; a subprocess also contains crashes and memory). The child
prints one JSON ``Analysis`` on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from drawings.results import Analysis, decode, encode, failed
from drawings.sniff import HEAD_BYTES, sniff
from kernel.errors import UnsupportedMedia

log = logging.getLogger(__name__)

_UNEXPECTED = (Exception,)
_OUT_OF_MEMORY = "图纸解析所需内存超过限制，文件可能过大或已损坏。"


def analyse_file(
    path: Path, preview_path: Path | None = None, filename: str | None = None
) -> Analysis:
    """Sniff the format and dispatch; never raises for a bad file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        return failed(None, f"无法读取文件：{error.strerror or error}")
    if not head:
        return failed(None, "文件为空（0 字节）。")
    try:
        sniffed = sniff(head)
    except UnsupportedMedia as error:
        return failed(None, error.detail)
    if sniffed.format == "dxf":
        from drawings.cad import analyse_dxf

        result = analyse_dxf(path, preview_path)
    elif sniffed.format == "pdf":
        from drawings.pdf import analyse_pdf

        result = analyse_pdf(path)
    else:
        from drawings.dwg import analyse_dwg

        result = analyse_dwg(path, preview_path)
    result.metadata.setdefault(
        "sniffed",
        {"format": sniffed.format, "encoding": sniffed.encoding, "version": sniffed.version},
    )
    if filename and not _extension_matches(filename, sniffed.format):
        result.warnings.append(
            f"文件扩展名与内容不符：按内容识别为 {sniffed.format.upper()}（文件名 {filename}）。"
        )
    return result


def _extension_matches(filename: str, fmt: str) -> bool:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix in {"", fmt} or (fmt == "dxf" and suffix == "dxb")


def run_isolated(
    path: Path,
    *,
    timeout_s: float,
    preview_path: Path | None = None,
    filename: str | None = None,
    max_memory_mb: int | None = None,
) -> Analysis:
    """Run ``analyse_file`` in a child interpreter; timeouts, crashes and bad exits → failed."""
    command = [sys.executable, "-m", "drawings.analyse", str(path)]
    if preview_path is not None:
        command += ["--preview", str(preview_path)]
    if filename:
        command += ["--filename", filename]
    if max_memory_mb:
        command += ["--max-memory-mb", str(max_memory_mb)]
    # One BLAS thread: numpy (pulled in by ezdxf) otherwise reserves memory per core.
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            command,
            capture_output=True,
            timeout=timeout_s,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return failed(None, f"图纸解析超时（超过 {timeout_s:g} 秒），文件可能过大或结构异常。")
    except OSError as error:
        return failed(None, f"无法启动图纸解析进程：{error}")
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        tail = stderr.strip().splitlines()[-1:] or [""]
        if done.returncode < 0:
            reason = f"图纸解析进程异常终止（信号 {-done.returncode}），文件可能过大或已损坏。"
        elif "MemoryError" in stderr or "Memory allocation" in stderr:
            reason = _OUT_OF_MEMORY
        else:
            reason = f"图纸解析进程异常退出（代码 {done.returncode}）：{tail[0][:200]}"
        log.warning("analysis of %s exited %s: %s", path, done.returncode, tail[0])
        return failed(None, reason)
    try:
        return decode(done.stdout)
    except ValueError as error:
        return failed(None, f"图纸解析结果无法读取：{error}")


def _caused_by_memory(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(20):
        if seen is None:
            return False
        if isinstance(seen, MemoryError) or "failed to map segment" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drawings.analyse")
    parser.add_argument("file", type=Path)
    parser.add_argument("--preview", type=Path, default=None)
    parser.add_argument("--filename", default=None)
    parser.add_argument("--max-memory-mb", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.max_memory_mb:
        import resource

        limit = args.max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Libraries occasionally print; only our JSON may reach stdout.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = analyse_file(args.file, args.preview, args.filename)
        except MemoryError:
            result = failed(None, _OUT_OF_MEMORY)
        except _UNEXPECTED as error:  # last line of defence: a reason instead of a traceback
            if _caused_by_memory(error):
                result = failed(None, _OUT_OF_MEMORY)
            else:
                log.exception("unexpected analysis error")
                result = failed(None, f"图纸解析时发生内部错误（{type(error).__name__}），已记录。")
    sys.stdout.buffer.write(encode(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
