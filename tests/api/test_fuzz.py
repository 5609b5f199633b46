"""Schemathesis against a real ``oneset serve`` on the embedded defaults (demo data loaded).

Three identities (anonymous, an intermediary, an enterprise) each run every API operation of
``/schema/openapi.json`` with a bounded number of generated cases, derandomised, and the checks
for server errors, status codes and response bodies against the document: 0 failures. The case
counts and durations are printed at the end of the pytest run (``tests/api/conftest.py``) and
written with schemathesis' own output to ``test-artifacts/schemathesis/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.paths import REPO_ROOT
from tests.support import http

ARTIFACTS = REPO_ROOT / "test-artifacts" / "schemathesis"
PASSWORD = "demo-pass-2026"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
SEED = 20261201
# Fuzzing cases per operation. Most cases come from the coverage phase (boundary and negative
# values of every parameter and body member, fixed by the schema): about 4,500 per identity,
# 13,400 in all, 75 s of requests and 2 min with start-up on a loaded 2-core machine (limit:
# 6 min). ONESET_FUZZ_EXAMPLES=50 runs deeper (about 30,000 cases, 6 min).
MAX_EXAMPLES = int(os.environ.get("ONESET_FUZZ_EXAMPLES", "5"))
IDENTITIES = {"anonymous": None, "intermediary": "surveyor", "enterprise": "enterprise"}
# Logging out revokes the run's own token: the anonymous run covers that operation.
LOGGED_IN_EXCLUDES = ("logout",)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    env["ONESET_DATA_DIR"] = str(data_dir)
    return env


def _oneset(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oneset", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"oneset {args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"


def _login(base: str, username: str) -> str:
    body = http.call(
        base, "POST", "/api/v1/accounts/login", {"username": username, "password": PASSWORD}
    )
    token: str = body["accessToken"]
    return token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("fuzz")
    env = _env(work / "var")
    _oneset(env, "migrate")
    _oneset(env, "demo")
    log = work / "serve.log"
    process, base = http.start_serve(env, log)
    try:
        tokens = {name: _login(base, user) for name, user in IDENTITIES.items() if user}
        yield base, tokens, work, log
    finally:
        http.stop(process)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / "serve.log")


def _schemathesis(base: str, token: str | None, reports: Path) -> list[str]:
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",  # derandomised, no example database
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--exclude-path",
        "/health",
        "--no-color",
        "--continue-on-failure",  # every failure of an operation, not only its first
        "--report",
        "json",
        "--report-dir",
        str(reports),
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
        for operation_id in LOGGED_IN_EXCLUDES:
            command += ["--exclude-operation-id", operation_id]
    return command


@pytest.mark.timeout(600)
@pytest.mark.parametrize("identity", list(IDENTITIES))
def test_schemathesis_finds_nothing(
    served: Any, identity: str, record_property: Any, tmp_path: Path
) -> None:
    base, tokens, _work, log = served
    reports = tmp_path / "reports"
    command = _schemathesis(base, tokens.get(identity), reports)
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=540
    )
    seconds = time.monotonic() - started
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    output = ARTIFACTS / f"{identity}.log"
    output.write_text(result.stdout + result.stderr, encoding="utf-8")
    (report_file,) = reports.glob("*.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    cases = report["test_cases"]["generated"]
    record_property("schemathesis", {"identity": identity, "cases": cases, "seconds": seconds})
    print(f"schemathesis as {identity}: {cases} cases in {seconds:.0f} s")
    operations = report["operations"]
    assert operations["tested"] == operations["selected"] >= 90, (operations, result.stdout[-3000:])
    assert report["complete"], result.stdout[-3000:]
    failures = sum(f["count"] for f in report["failures"])
    assert (failures, report["errors"]) == (0, []), (
        f"{failures} failures as {identity} (all of it in {output}):\n{result.stdout[-6000:]}"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    served_log = log.read_text(errors="replace")
    assert "Traceback" not in served_log, f"errors logged by oneset serve:\n{served_log[-4000:]}"
