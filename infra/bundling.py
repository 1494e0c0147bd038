"""The two Lambda layers: the core package as is, and third-party deps built by pip without Docker.

The deps layer is bundled locally (ILocalBundling) with pip's cross-platform flags, so wheels match
the Lambda runtime (Amazon Linux 2, x86_64, CPython 3.11) whatever machine runs the synth. The
result is cached under cdk.out/.bundling-cache keyed by requirements.txt and the pip flags, so dev
and prod synths (and repeated synths) run pip once. `-c skip_bundling=true` (tests) uses the bare
requirements folder as a stand-in asset: fast, and never deployable (a warning says so).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import Annotations, AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as _lambda
from constructs import Construct

from infra.config import REPO_ROOT, EnvConfig

RUNTIME = _lambda.Runtime.PYTHON_3_11
ARCHITECTURE = _lambda.Architecture.X86_64
CORE_LAYER_DIR = REPO_ROOT / "layers" / "core"
DEPS_DIR = REPO_ROOT / "layers" / "deps"
FUNCTIONS_DIR = REPO_ROOT / "functions"
CACHE_DIR = REPO_ROOT / "cdk.out" / ".bundling-cache"

PIP_FLAGS = (
    "--platform", "manylinux2014_x86_64",
    "--only-binary=:all:",
    "--python-version", "3.11",
    "--implementation", "cp",
    "--no-compile",
    "--disable-pip-version-check",
    "--no-warn-conflicts",  # --target: the synth venv's own packages are irrelevant
)  # fmt: skip
# Already in the Lambda Python runtime; a second, newer copy in the layer would shadow boto3's own.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", ".pytest_cache", "python/*"]


def _cache_key(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(" ".join((*PIP_FLAGS, *RUNTIME_PROVIDED)).encode())
    return digest.hexdigest()[:16]


def build_deps(requirements: Path, output_dir: Path) -> None:
    """pip-install `requirements` for the Lambda platform into output_dir/python (cached)."""
    cached = CACHE_DIR / f"deps-{_cache_key(requirements)}"
    if not (cached / "python").is_dir():
        staging = cached.with_name(cached.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        command = [sys.executable, "-m", "pip", "install", *PIP_FLAGS, "-qq",
                   "--target", str(staging / "python"), "-r", str(requirements)]  # fmt: skip
        subprocess.run(command, check=True)
        for pattern in RUNTIME_PROVIDED:
            for path in (staging / "python").glob(f"{pattern}*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        staging.rename(cached)
    shutil.copytree(cached / "python", output_dir / "python", dirs_exist_ok=True)


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Runs pip on this machine instead of in the SAM build image (there is no Docker here)."""

    def __init__(self, requirements: Path) -> None:
        self._requirements = requirements

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        build_deps(self._requirements, Path(output_dir))
        return True


def core_layer(scope: Construct, config: EnvConfig) -> _lambda.LayerVersion:
    """The nudge package; layers/core already has the python/ layout Lambda expects."""
    return _lambda.LayerVersion(
        scope,
        "CoreLayer",
        code=_lambda.Code.from_asset(str(CORE_LAYER_DIR), exclude=ASSET_EXCLUDES[:3]),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="Nudge core package (layers/core/python/nudge)",
        removal_policy=config.removal_policy,
    )


def deps_layer(scope: Construct, config: EnvConfig) -> _lambda.LayerVersion:
    """Third-party packages from layers/deps/requirements.txt, bundled without Docker."""
    requirements = DEPS_DIR / "requirements.txt"
    if config.skip_bundling:
        Annotations.of(scope).add_warning_v2(
            "nudge:skip-bundling",
            "skip_bundling=true: the deps layer holds only requirements.txt; do not deploy this.",
        )
        code = _lambda.Code.from_asset(str(DEPS_DIR), exclude=ASSET_EXCLUDES)
    else:
        code = _lambda.Code.from_asset(
            str(DEPS_DIR),
            exclude=ASSET_EXCLUDES,
            # Same key as the pip cache: a change of requirements or pip flags re-bundles.
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=f"deps-{_cache_key(requirements)}",
            bundling=BundlingOptions(
                image=RUNTIME.bundling_image,  # required by the API; never pulled (local wins)
                local=PipLocalBundling(requirements),
                command=["false"],
            ),
        )
    return _lambda.LayerVersion(
        scope,
        "DepsLayer",
        code=code,
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="Nudge third-party dependencies (layers/deps/requirements.txt)",
        removal_policy=config.removal_policy,
    )


def function_code(name: str) -> _lambda.Code:
    """One handler directory under functions/ (the shared code comes from the layers)."""
    path = FUNCTIONS_DIR / name
    if not path.is_dir():
        raise FileNotFoundError(f"no Lambda source folder {path}")
    return _lambda.Code.from_asset(str(path), exclude=ASSET_EXCLUDES[:3])
