"""A small BERT -> GGUF writer, so the embedding model needs no torch or transformers.

It mirrors what llama.cpp's convert_hf_to_gguf.py writes for `BertModel` (arch "bert"): the
same tensor names (via gguf's own TensorNameMap), f16 matrices with f32 norms, biases, position
and token-type embeddings, the WordPiece vocab in "phantom space" form, the special token ids
and the sentence-transformers pooling type. `matrices="q8_0"` writes the weight matrices as Q8_0
instead (gguf's own quantiser, as llama.cpp's `--outtype q8_0`): half the size, but measured no
reliably faster here and as far as cosine 0.9965 from f16 on short texts (bench/embed.py), so f16
stays the default. Heavy imports stay inside the functions.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

# What the converter names the pre-tokenizer of the bert-base-uncased WordPiece vocab
# (tokenizer hash 0876d13b..., same as BAAI/bge-small-en-v1.5).
_TOKENIZER_PRE = "bert-bge"
_SKIPPED = ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias")


MATRIX_TYPES = ("f16", "q8_0")


def convert_zip(zip_path: Path, out_path: Path, *, matrices: str = "f16") -> None:
    """Convert a zipped sentence-transformers BERT folder (e.g. all-MiniLM-L6-v2's model.zip)."""
    with tempfile.TemporaryDirectory(prefix="nudge-bert-") as tmp:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp)
        convert_dir(Path(tmp), out_path, matrices=matrices)


def convert_dir(model_dir: Path, out_path: Path, *, matrices: str = "f16") -> None:
    """Write `out_path` (GGUF, matrices f16 or q8_0) from a HF BertModel folder with
    model.safetensors."""
    import gguf

    if matrices not in MATRIX_TYPES:
        raise ValueError(f"matrices must be one of {MATRIX_TYPES}, not {matrices!r}")

    hparams = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if "BertModel" not in hparams.get("architectures", ["BertModel"]):
        raise ValueError(f"not a BertModel: {hparams.get('architectures')}")
    writer = gguf.GGUFWriter(path=None, arch=gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    _add_tensors(writer, model_dir, block_count=hparams["num_hidden_layers"], matrices=matrices)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(hparams.get("_name_or_path", model_dir.name).rsplit("/", 1)[-1])
    _add_parameters(writer, model_dir, hparams, matrices=matrices)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    _add_vocab(writer, model_dir, vocab_size=hparams["vocab_size"],
               type_vocab_size=hparams.get("type_vocab_size", 1))
    writer.write_header_to_file(path=out_path)
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _add_parameters(writer: Any, model_dir: Path, hparams: dict[str, Any], *,
                    matrices: str) -> None:
    import gguf

    writer.add_block_count(hparams["num_hidden_layers"])
    writer.add_context_length(hparams["max_position_embeddings"])
    writer.add_embedding_length(hparams["hidden_size"])
    writer.add_feed_forward_length(hparams["intermediate_size"])
    writer.add_head_count(hparams["num_attention_heads"])
    writer.add_layer_norm_eps(hparams.get("layer_norm_eps", 1e-12))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if matrices == "q8_0"
                         else gguf.LlamaFileType.MOSTLY_F16)
    writer.add_causal_attention(False)
    writer.add_pooling_type(_pooling_type(model_dir))


def _pooling_type(model_dir: Path) -> Any:
    """The sentence-transformers Pooling module decides; plain BERT folders get mean pooling."""
    import gguf

    modules_file = model_dir / "modules.json"
    modules = json.loads(modules_file.read_text(encoding="utf-8")) if modules_file.is_file() else []
    path = next((m["path"] for m in modules
                 if m["type"] == "sentence_transformers.models.Pooling"), None)
    if path is None:
        return gguf.PoolingType.MEAN
    pooling = json.loads((model_dir / path / "config.json").read_text(encoding="utf-8"))
    if pooling.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if pooling.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    raise ValueError("only mean and CLS pooling are supported")


def _add_tensors(writer: Any, model_dir: Path, *, block_count: int, matrices: str) -> None:
    import gguf
    import numpy as np
    from safetensors import safe_open

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, block_count)
    matrix_type = (gguf.GGMLQuantizationType.Q8_0 if matrices == "q8_0"
                   else gguf.GGMLQuantizationType.F16)
    f32_always = {gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.POS_EMBD] + ".weight",
                  gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.TOKEN_TYPES] + ".weight"}
    with safe_open(model_dir / "model.safetensors", framework="np") as weights:
        for name in weights.keys():  # noqa: SIM118 - safe_open is not a mapping
            hf_name = _normalise_name(name)
            if hf_name in _SKIPPED or hf_name.startswith("cls."):
                continue
            new_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
            if new_name is None:
                raise ValueError(f"cannot map tensor {name!r}")
            data = weights.get_tensor(name).astype(np.float32)
            keep_f32 = (data.ndim <= 1 or new_name.endswith("_norm.weight")
                        or new_name in f32_always or not new_name.endswith(".weight"))
            qtype = gguf.GGMLQuantizationType.F32 if keep_f32 else matrix_type
            writer.add_tensor(new_name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)


def _normalise_name(name: str) -> str:
    name = name.removeprefix("bert.")
    if name.endswith(".gamma"):
        return name[: -len(".gamma")] + ".weight"
    if name.endswith(".beta"):
        return name[: -len(".beta")] + ".bias"
    return name


def _add_vocab(writer: Any, model_dir: Path, *, vocab_size: int, type_vocab_size: int) -> None:
    import gguf

    tokens, toktypes = wordpiece_vocab(model_dir / "tokenizer.json", vocab_size)
    writer.add_token_type_count(type_vocab_size)
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre(_TOKENIZER_PRE)
    writer.add_token_list(tokens)
    writer.add_token_types(toktypes)
    # This gguf version stores CLS as bos_token_id (SpecialVocab maps it) and has no cls key.
    kinds = [k for k in ("bos", "eos", "unk", "sep", "pad", "cls", "mask")
             if hasattr(writer, f"add_{k}_token_id")]
    special = gguf.SpecialVocab(model_dir, n_vocab=len(tokens), special_token_types=kinds)
    special.add_to_gguf(writer, quiet=True)


def wordpiece_vocab(tokenizer_json: Path, vocab_size: int) -> tuple[list[str], list[int]]:
    """Tokens in llama.cpp's phantom-space form: "##x" -> "x", word starts get "\u2581"."""
    import gguf

    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    if spec["model"]["type"] != "WordPiece":
        raise ValueError(f"expected a WordPiece tokenizer, got {spec['model']['type']}")
    by_id = {index: token for token, index in spec["model"]["vocab"].items()}
    added = {t["id"]: t for t in spec.get("added_tokens", [])}
    tokens: list[str] = []
    toktypes: list[int] = []
    for index in range(vocab_size):
        token = by_id.get(index, added[index]["content"] if index in added else None)
        if token is None:
            token, toktype = f"[PAD{index}]", gguf.TokenType.UNUSED
        elif index in added:
            special = added[index].get("special")
            toktype = gguf.TokenType.CONTROL if special else gguf.TokenType.USER_DEFINED
        else:
            toktype = gguf.TokenType.NORMAL
        tokens.append(_phantom(token, toktype))
        toktypes.append(toktype)
    return tokens, toktypes


def _phantom(token: str, toktype: int) -> str:
    import gguf

    if toktype == gguf.TokenType.CONTROL:
        return token
    return token[2:] if token.startswith("##") else "\u2581" + token
