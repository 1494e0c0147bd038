"""Container start-up step: copy the GGUF files from S3 into /models before uvicorn starts.

Env: MODEL_BUCKET, CHAT_MODEL_KEY, EMBED_MODEL_KEY, optional SPEECH_MODEL_PREFIX (a CTranslate2
Whisper folder under that prefix: model.bin, config.json, tokenizer.json, vocabulary.txt) and
MODEL_DIR (default /models). Prints the shell assignments LLM_CHAT_MODEL=..., LLM_EMBED_MODEL=...
(and LLM_SPEECH_MODEL=...) for the entrypoint.
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


def fetch_folder(s3: Any, *, bucket: str, prefix: str, model_dir: Path) -> Path:
    """Every object under `prefix` into model_dir/<the prefix's last part> (voice notes' model)."""
    prefix = prefix.rstrip("/") + "/"
    folder = model_dir / Path(prefix.rstrip("/")).name
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])
            if not item["Key"].endswith("/")]
    if not keys:
        raise SystemExit(f"fetch_models: nothing under s3://{bucket}/{prefix}")
    for key in keys:
        fetch(s3, bucket=bucket, key=key, model_dir=folder)
    return folder


def fetch_all(env: Mapping[str, str], s3: Any = None) -> dict[str, Path]:
    """The models, keyed by the variable llm_service reads."""
    missing = [n for n in ("MODEL_BUCKET", "CHAT_MODEL_KEY", "EMBED_MODEL_KEY") if not env.get(n)]
    if missing:
        raise SystemExit(f"fetch_models: set {', '.join(missing)}")
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    model_dir = Path(env.get("MODEL_DIR") or "/models")
    bucket = env["MODEL_BUCKET"]
    found = {
        "LLM_CHAT_MODEL": fetch(s3, bucket=bucket, key=env["CHAT_MODEL_KEY"], model_dir=model_dir),
        "LLM_EMBED_MODEL": fetch(s3, bucket=bucket, key=env["EMBED_MODEL_KEY"],
                                 model_dir=model_dir),
    }
    if env.get("SPEECH_MODEL_PREFIX"):
        found["LLM_SPEECH_MODEL"] = fetch_folder(s3, bucket=bucket,
                                                 prefix=env["SPEECH_MODEL_PREFIX"],
                                                 model_dir=model_dir)
    return found


def main() -> None:
    for name, path in fetch_all(os.environ).items():
        print(f"{name}={path}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
