"""The converted GGUF is right: its metadata matches llama.cpp's converter, and llama.cpp's
vectors agree with a BERT forward pass computed in numpy straight from the safetensors weights.
"""

from __future__ import annotations

import json
import math
import zipfile

import gguf
import numpy as np
import pytest
from safetensors.numpy import load
from tokenizers import Tokenizer

from nudge.llm import EMBEDDING_DIM, models
from nudge.llm.client import LLMClient

pytestmark = pytest.mark.slow

SENTENCES = [
    "Can we meet tomorrow at five to sign the lease?",
    "Don't forget to bring the passports, the flight leaves at 7:40.",
    "Happy birthday Anna!! 🎉",
    "Quarterly revenue grew by five percent.",
]

_erf = np.vectorize(math.erf)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _reference_embeddings(texts: list[str]) -> np.ndarray:
    """sentence-transformers' all-MiniLM-L6-v2: BERT, mean pooling, L2 normalisation."""
    with zipfile.ZipFile(models.default_embed_source()) as archive:
        config = json.loads(archive.read("config.json"))
        tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode())
        weights = {k: v.astype(np.float64)
                   for k, v in load(archive.read("model.safetensors")).items()
                   if v.dtype != np.int64}
    tokenizer.no_padding()
    out = []
    for text in texts:
        pooled = _bert(tokenizer.encode(text).ids, weights, config).mean(0)
        out.append(pooled / np.linalg.norm(pooled))
    return np.array(out)


def _bert(ids: list[int], w: dict[str, np.ndarray], config: dict) -> np.ndarray:
    """Token states of a post-norm BERT encoder (exact erf GELU), float64."""
    heads, eps, n = config["num_attention_heads"], config["layer_norm_eps"], len(ids)

    def dense(h: np.ndarray, name: str) -> np.ndarray:
        return h @ w[name + ".weight"].T + w[name + ".bias"]

    def norm(h: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(h, w[name + ".weight"], w[name + ".bias"], eps)

    def split(h: np.ndarray) -> np.ndarray:
        return h.reshape(n, heads, -1).transpose(1, 0, 2)

    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (split(dense(x, f"{p}attention.self.{m}")) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, -1)
        x = norm(x + dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        h = dense(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        x = norm(x + dense(h, p + "output.dense"), p + "output.LayerNorm")
    return x


def test_llama_cpp_vectors_agree_with_a_numpy_bert_forward_pass(llm_client: LLMClient) -> None:
    expected = _reference_embeddings(SENTENCES)
    actual = np.array(llm_client.embed(SENTENCES))
    assert actual.shape == expected.shape == (len(SENTENCES), EMBEDDING_DIM)
    cosines = (actual * expected).sum(1)
    assert cosines.min() > 0.99, cosines


def test_the_converted_file_carries_what_llama_cpps_converter_writes(llm_models) -> None:  # type: ignore[no-untyped-def]
    reader = gguf.GGUFReader(llm_models.embed)

    def value(key: str):  # type: ignore[no-untyped-def]
        return reader.fields[key].contents()

    assert value("general.architecture") == "bert"
    assert value("bert.embedding_length") == EMBEDDING_DIM
    assert value("bert.block_count") == 6
    assert value("bert.context_length") == 512
    assert value("bert.attention.head_count") == 12
    assert value("bert.attention.causal") is False
    assert value("bert.pooling_type") == gguf.PoolingType.MEAN
    assert value("bert.attention.layer_norm_epsilon") == pytest.approx(1e-12)
    assert value("tokenizer.ggml.model") == "bert"
    assert value("tokenizer.ggml.token_type_count") == 2
    assert value("tokenizer.ggml.bos_token_id") == 101  # [CLS]
    assert value("tokenizer.ggml.seperator_token_id") == 102  # [SEP]
    assert value("tokenizer.ggml.padding_token_id") == 0
    assert value("tokenizer.ggml.unknown_token_id") == 100
    assert value("tokenizer.ggml.mask_token_id") == 103
    tokens = value("tokenizer.ggml.tokens")
    assert (tokens[101], tokens[7592], tokens[2075]) == ("[CLS]", "\u2581hello", "ing")
    types = {t.name: t.tensor_type for t in reader.tensors}
    assert len(types) == 5 + 16 * 6
    assert types["token_embd.weight"] == gguf.GGMLQuantizationType.F16
    assert types["blk.0.attn_q.weight"] == gguf.GGMLQuantizationType.F16
    assert types["position_embd.weight"] == gguf.GGMLQuantizationType.F32
    assert types["token_types.weight"] == gguf.GGMLQuantizationType.F32
    assert types["blk.5.layer_output_norm.weight"] == gguf.GGMLQuantizationType.F32
    assert types["blk.5.ffn_down.bias"] == gguf.GGMLQuantizationType.F32
