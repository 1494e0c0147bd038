"""Synthesize each environment once per test session; tests read templates from that assembly.

Bundling is skipped (`skip_bundling`): tests check the templates, not the pip output, and pip
would cost a minute. The context is cdk.json's own, so tests see what `cdk synth` sees.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]


def cdk_context(env: str, **overrides: Any) -> dict[str, Any]:
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return {**context, "env": env, "skip_bundling": True, **overrides}


@dataclass
class Synth:
    """One synthesized environment: the NudgeSystem (stack objects) and its cloud assembly."""

    system: Any
    assembly: Any

    def template(self, stack: Any) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_json(self.assembly.get_stack_by_name(stack.stack_name).template)

    def raw(self, stack: Any) -> dict[str, Any]:
        return self.assembly.get_stack_by_name(stack.stack_name).template


def synthesize(env: str, outdir: Path, **overrides: Any) -> Synth:
    from aws_cdk import App

    from infra.system import build

    app = App(context=cdk_context(env, **overrides), outdir=str(outdir))
    system = build(app)
    return Synth(system=system, assembly=app.synth())


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    pytest.importorskip("aws_cdk")
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    pytest.importorskip("aws_cdk")
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session", params=["dev", "prod"])
def each_env(request: pytest.FixtureRequest) -> Synth:
    return request.getfixturevalue(request.param)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource of one CloudFormation type."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = list(resources(template, kind).values())
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]
