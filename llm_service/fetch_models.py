"""Container start-up step: copy the GGUF files from S3 into /models before uvicorn starts.

Env: MODEL_BUCKET, CHAT_MODEL_KEY, EMBED_MODEL_KEY, optional MODEL_DIR (default /models).
Prints the shell assignments LLM_CHAT_MODEL=... and LLM_EMBED_MODEL=... for the entrypoint.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fetch(s3: Any, *, bucket: str, key: str, model_dir: Path) -> Path:
    """Download one object unless a file of the same size is already there (restarts are fast)."""
    target = model_dir / Path(key).name
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if target.is_file() and target.stat().st_size == size:
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    s3.download_file(bucket, key, str(partial))
    os.replace(partial, target)
    return target


def fetch_all(env: Mapping[str, str], s3: Any = None) -> dict[str, Path]:
    """Both models, keyed by the variable llm_service reads."""
    missing = [n for n in ("MODEL_BUCKET", "CHAT_MODEL_KEY", "EMBED_MODEL_KEY") if not env.get(n)]
    if missing:
        raise SystemExit(f"fetch_models: set {', '.join(missing)}")
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    model_dir = Path(env.get("MODEL_DIR") or "/models")
    bucket = env["MODEL_BUCKET"]
    return {
        "LLM_CHAT_MODEL": fetch(s3, bucket=bucket, key=env["CHAT_MODEL_KEY"], model_dir=model_dir),
        "LLM_EMBED_MODEL": fetch(s3, bucket=bucket, key=env["EMBED_MODEL_KEY"],
                                 model_dir=model_dir),
    }


def main() -> None:
    for name, path in fetch_all(os.environ).items():
        print(f"{name}={path}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
