"""Deps layer bundling: pip with Lambda's platform flags, once per requirements (cached)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytest.importorskip("aws_cdk")

from infra import bundling


@pytest.fixture
def fake_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(command: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        for package in ("psycopg", "botocore", "boto3-1.0.dist-info"):
            (target / package).mkdir(parents=True)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(bundling, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(bundling.subprocess, "run", run)
    return calls


def test_pip_targets_the_lambda_platform_and_drops_runtime_packages(
    tmp_path: Path, fake_pip: list[list[str]]
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("psycopg[binary]\n")
    out = tmp_path / "out"
    assert bundling.PipLocalBundling(requirements).try_bundle(str(out), image=None) is True
    (command,) = fake_pip
    flags = " ".join(command)
    assert "--platform manylinux2014_x86_64" in flags and "--only-binary=:all:" in flags
    assert "--python-version 3.11" in flags and "--implementation cp" in flags
    assert sorted(p.name for p in (out / "python").iterdir()) == ["psycopg"]


def test_second_bundle_of_the_same_requirements_reuses_the_cache(
    tmp_path: Path, fake_pip: list[list[str]]
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("httpx\n")
    bundling.build_deps(requirements, tmp_path / "a")
    bundling.build_deps(requirements, tmp_path / "b")
    assert len(fake_pip) == 1
    assert (tmp_path / "b" / "python" / "psycopg").is_dir()
    requirements.write_text("httpx\nmangum\n")
    bundling.build_deps(requirements, tmp_path / "c")
    assert len(fake_pip) == 2


def test_requirements_exclude_llama_cpp_and_boto3() -> None:
    lines = (bundling.DEPS_DIR / "requirements.txt").read_text().lower().splitlines()
    names = {line.split("[")[0].split(">")[0].split("=")[0].strip() for line in lines
             if line.strip() and not line.startswith("#")}  # fmt: skip
    assert {"psycopg", "pgvector", "httpx", "mangum", "fastapi", "aws-lambda-powertools",
            "python-telegram-bot", "tzdata"} <= names  # fmt: skip
    assert not names & {"llama-cpp-python", "boto3", "botocore"}
