"""fetch_models.py copies the GGUFs from S3 (moto) and skips files already in place."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from llm_service.fetch_models import fetch_all


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="models",
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        client.put_object(Bucket="models", Key="chat/smol.gguf", Body=b"GGUF chat")
        client.put_object(Bucket="models", Key="embed/minilm.gguf", Body=b"GGUF embed")
        yield client


def _env(model_dir: Path) -> dict[str, str]:
    return {"MODEL_BUCKET": "models", "CHAT_MODEL_KEY": "chat/smol.gguf",
            "EMBED_MODEL_KEY": "embed/minilm.gguf", "MODEL_DIR": str(model_dir)}


def test_fetch_downloads_both_models_into_the_model_dir(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = fetch_all(_env(tmp_path), s3)
    assert paths == {"LLM_CHAT_MODEL": tmp_path / "smol.gguf",
                     "LLM_EMBED_MODEL": tmp_path / "minilm.gguf"}
    assert paths["LLM_CHAT_MODEL"].read_bytes() == b"GGUF chat"
    assert paths["LLM_EMBED_MODEL"].read_bytes() == b"GGUF embed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["minilm.gguf", "smol.gguf"]


def test_a_speech_model_prefix_brings_the_whole_whisper_folder(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        s3.put_object(Bucket="models", Key=f"models/whisper-base-ct2/{name}", Body=name.encode())
    paths = fetch_all({**_env(tmp_path), "SPEECH_MODEL_PREFIX": "models/whisper-base-ct2/"}, s3)
    folder = tmp_path / "whisper-base-ct2"
    assert paths["LLM_SPEECH_MODEL"] == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]


def test_fetch_skips_a_file_already_present_with_the_same_size(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fetch_all(_env(tmp_path), s3)
    (tmp_path / "smol.gguf").write_bytes(b"GGUF same")  # same size, different bytes
    fetch_all(_env(tmp_path), s3)
    assert (tmp_path / "smol.gguf").read_bytes() == b"GGUF same"


def test_fetch_without_configuration_exits_naming_the_missing_variables(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="MODEL_BUCKET"):
        fetch_all({"MODEL_DIR": str(tmp_path)})
