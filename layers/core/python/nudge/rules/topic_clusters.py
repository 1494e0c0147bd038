"""A day's topics: clusters of its message embeddings, each named by its most distinctive words.

Average-linkage clustering on cosine similarity needs no k chosen by hand: clusters stop merging
once their mean pairwise similarity falls below SIMILARITY. Names come from c-TF-IDF (BERTopic's
class-based TF-IDF): a word weighs more the more of a cluster's messages use it and the less the
day's other clusters do. Without embeddings (LLM down) messages are grouped by the words they share.
Pure and numpy-only, so it runs in the Lambda layer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from nudge.rules.vocabulary import STOPWORDS

SIMILARITY = 0.30  # mean cosine for two clusters to merge (all-MiniLM-L6-v2: unrelated ≈ 0.0–0.15)
MAX_CLUSTERED = 2500  # above this, cluster an even sample and assign the rest: bounds the n×n matrix
MIN_SHARED = 2  # a topic word is used by at least this many messages of its cluster
MAX_WORDS = 8
LABEL_WORDS = 3
LABEL_SHARE = 0.5  # a 2nd/3rd label word weighs at least this share of the best one

_WORD = re.compile(r"[^\W\d_]{3,}")
_LAUGH = re.compile(r"([hj])[aeiou]+(?:\1+[aeiou]+)+\1*|a+h+a+h*|l+o+l+|x+d+|h*m+h*m*|a+w+|u+g+h+")
# Chat fillers and greetings: several messages share them, yet they are no topic.
_FILLER = frozenset("""
omg lmao lmfao rofl wow yay yep yup yea nope cool sounds alright hey hello hiya bye cya thx pls
please sorry morning night evening congrats awesome lovely cheers
danke genau klar super naja achso hallo tschüss gerne guten gute nacht abend
hola claro dale perfecto genial adiós chao buenas buenos días dias noches venga
""".split())  # noqa: SIM905 - a word list reads better as text


@dataclass(frozen=True, slots=True)
class Topic:
    label: str  # "parking, keys": 1-3 distinctive words, joined
    words: list[str]  # top words, best first
    message_ids: list[int]
    size: int

    def to_json(self) -> dict:
        return {"label": self.label, "words": list(self.words), "message_ids": list(self.message_ids),
                "size": self.size}


def topic_words(text: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Words a topic may be named by: letters only, ≥ 3 chars, no stopword, filler or name."""
    return {w for w in _WORD.findall(text.lower())
            if w not in STOPWORDS and w not in _FILLER and w not in skip and not _LAUGH.fullmatch(w)}


def day_topics(ids: Sequence[int], texts: Sequence[str], embeddings: Sequence[Sequence[float] | None], *,
               max_topics: int = 5, exclude: Iterable[str] = ()) -> list[Topic]:
    """The day's topics, largest first. Messages with no topic word ("ok", "haha", "👍") take no
    part: they would only gather into a chit-chat cluster. Messages without an embedding join the
    cluster their words fit best, or none; with fewer than two embeddings, shared words group them."""
    if not len(ids) == len(texts) == len(embeddings):
        raise ValueError("ids, texts and embeddings must have the same length")
    skip = frozenset(w.lower() for name in exclude for w in re.findall(r"[^\W\d_]+", name))
    words = [topic_words(text, skip) for text in texts]
    usable = [i for i, ws in enumerate(words) if ws]
    embedded, vectors = _unit_vectors(usable, embeddings)
    if len(embedded) >= 2:
        clusters = [[embedded[j] for j in c] for c in _embedding_clusters(vectors)]
        clusters = _merge_same_label(clusters, words, usable)
        has_vector = set(embedded)
        clusters = _assign_by_words(clusters, words, [i for i in usable if i not in has_vector])
    else:
        clusters = _word_groups(words, usable)
    topics = _name(clusters, words, usable, [int(i) for i in ids])
    return topics[:max_topics]


def _unit_vectors(usable: list[int], embeddings: Sequence[Sequence[float] | None],
                  ) -> tuple[list[int], np.ndarray]:
    """The usable messages that have a non-zero embedding, with their vectors re-normalised."""
    rows = [i for i in usable if embeddings[i] is not None and len(embeddings[i])]
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.asarray([embeddings[i] for i in rows], dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    keep = norms > 0
    return [i for i, k in zip(rows, keep, strict=True) if k], matrix[keep] / norms[keep, None]


def _embedding_clusters(vectors: np.ndarray) -> list[list[int]]:
    """Row indices per cluster of ≥ 2. A large day clusters an even sample; each other message
    then joins the nearest cluster centre if it is similar enough, so memory stays bounded."""
    n = len(vectors)
    sample = np.arange(n)
    if n > MAX_CLUSTERED:
        sample = np.unique(np.linspace(0, n - 1, MAX_CLUSTERED).astype(int))
    tree = average_linkage(vectors[sample], SIMILARITY)
    clusters = [[int(sample[j]) for j in c] for c in tree if len(c) > 1]
    if n > MAX_CLUSTERED and clusters:
        centres = np.stack([vectors[c].mean(axis=0) for c in clusters])
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        rest = np.setdiff1d(np.arange(n), sample)
        sims = vectors[rest] @ centres.T
        best = sims.argmax(axis=1)
        for row, c, s in zip(rest, best, sims[np.arange(len(rest)), best], strict=True):
            if s >= SIMILARITY:
                clusters[c].append(int(row))
    return [sorted(c) for c in clusters]


def average_linkage(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Clusters whose mean pairwise cosine stays ≥ threshold, by the nearest-neighbour chain.

    Average linkage is reducible, so merging reciprocal nearest neighbours in any order builds
    the same tree as the greedy textbook algorithm, in O(n²) time instead of O(n³). A cluster's
    best similarity never rises as others merge, so once it is below the threshold the cluster
    (and the whole chain leading to it) is final. Deterministic: ties go to the lowest index."""
    n = len(vectors)
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    done: list[list[int]] = []
    chain: list[int] = []
    start = 0
    while True:
        if not chain:
            while start < n and not alive[start]:
                start += 1
            if start == n:
                return [sorted(c) for c in done]
            chain.append(start)
        top = chain[-1]
        row = sim[top]
        near = int(row.argmax())
        if row[near] < threshold:
            for i in chain:
                done.append(members.pop(i))
            alive[chain] = False
            sim[chain, :] = -np.inf
            sim[:, chain] = -np.inf
            chain.clear()
        elif len(chain) > 1 and row[chain[-2]] >= row[near]:
            a, b = sorted((chain.pop(), chain.pop()))
            merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
            sim[a, :] = merged
            sim[:, a] = merged
            sim[a, a] = -np.inf
            sim[b, :] = -np.inf
            sim[:, b] = -np.inf
            size[a] += size[b]
            alive[b] = False
            members[a] += members.pop(b)
        else:
            chain.append(near)


def _word_groups(words: list[set[str]], usable: list[int]) -> list[list[int]]:
    """Fallback without embeddings: the most widely shared word gathers its messages into a
    group, then the next among the messages left, and so on (co-occurring words name it)."""
    left = list(usable)
    groups: list[list[int]] = []
    while left:
        counts = Counter(w for i in left for w in words[i])
        word, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))
        if n < MIN_SHARED:
            break
        groups.append([i for i in left if word in words[i]])
        left = [i for i in left if word not in words[i]]
    return groups


def _ctfidf(classes: list[list[int]], words: list[set[str]]) -> list[tuple[Counter[str], dict[str, float]]]:
    """c-TF-IDF as BERTopic computes it: tf = a word's share of its class's words (a word counted
    once per message), idf = log(1 + mean words per class / the word's count over all classes)."""
    counts = [Counter(w for i in c for w in words[i]) for c in classes]
    total: Counter[str] = Counter()
    for count in counts:
        total.update(count)
    mean = sum(total.values()) / max(len(counts), 1)
    weights = []
    for count in counts:
        n = sum(count.values()) or 1
        weights.append({w: k / n * math.log(1 + mean / total[w]) for w, k in count.items()})
    return list(zip(counts, weights, strict=True))


def _ranked(count: Counter[str], weight: dict[str, float]) -> list[str]:
    """A cluster's distinctive words, best first: shared by ≥ MIN_SHARED of its messages."""
    shared = [w for w, k in count.items() if k >= MIN_SHARED and weight[w] > 0]
    return sorted(shared, key=lambda w: (-weight[w], -count[w], w))


def _with_rest(clusters: list[list[int]], usable: list[int]) -> list[list[int]]:
    """The clusters plus one class of the messages in none: words all over the day weigh less."""
    inside = {i for c in clusters for i in c}
    rest = [i for i in usable if i not in inside]
    return [*clusters, rest] if rest else list(clusters)


def _merge_same_label(clusters: list[list[int]], words: list[set[str]], usable: list[int]) -> list[list[int]]:
    """Clusters whose best word is the same are one topic split by phrasing: join them."""
    scored = _ctfidf(_with_rest(clusters, usable), words)[: len(clusters)]
    by_word: dict[str, list[int]] = {}
    for cluster, (count, weight) in zip(clusters, scored, strict=True):
        ranked = _ranked(count, weight)
        key = ranked[0] if ranked else f"#{cluster[0]}"
        by_word.setdefault(key, []).extend(cluster)
    return [sorted(c) for c in by_word.values()]


def _assign_by_words(clusters: list[list[int]], words: list[set[str]], loose: list[int]) -> list[list[int]]:
    """Messages without an embedding join the cluster whose distinctive words they share most."""
    if not clusters or not loose:
        return clusters
    scored = _ctfidf(clusters, words)
    out = [list(c) for c in clusters]
    for i in loose:
        fits = [sum(weight[w] for w in words[i] if count[w] >= MIN_SHARED) for count, weight in scored]
        best = max(range(len(fits)), key=lambda c: (fits[c], -c))
        if fits[best] > 0:
            out[best].append(i)
    return [sorted(c) for c in out]


def _name(clusters: list[list[int]], words: list[set[str]], usable: list[int], ids: list[int]) -> list[Topic]:
    """Topics for the clusters of ≥ 2 messages that have a distinctive word, largest first."""
    clusters = [c for c in clusters if len(c) > 1]
    topics: list[tuple[int, Topic]] = []
    for cluster, (count, weight) in zip(clusters, _ctfidf(_with_rest(clusters, usable), words), strict=False):
        ranked = _ranked(count, weight)[:MAX_WORDS]
        if not ranked:
            continue
        label = [w for w in ranked[:LABEL_WORDS] if weight[w] >= LABEL_SHARE * weight[ranked[0]]]
        topic = Topic(", ".join(label), ranked, [ids[i] for i in cluster], len(cluster))
        topics.append((cluster[0], topic))
    topics.sort(key=lambda t: (-t[1].size, t[0]))
    return [t for _, t in topics]
