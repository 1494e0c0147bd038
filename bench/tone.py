"""Sentiment accuracy benchmark: nudge.rules.tone against plain VADER, per language, in one run.

Input per language is a text file (one message a line) and a label file beside it, as in the UMSAB
tweet sets of cardiffnlp/xlm-t (data/sentiment/<language>/{train,val,test}_{text,labels}.txt, Apache-2.0
repository; labels 0 negative, 1 neutral, 2 positive). Labels may also be the words negative / neutral /
positive. The data is not ours: keep it outside the repo (e.g. /work/scratch/tone/) and pass paths.

For each language it prints N, accuracy and macro-F1 of
  ours         message_sentiment(text) with the language guessed, as the digest will call it;
  ours+lang    the same with the dataset's language given;
  vader        VADER's compound on the raw text, every language as is (the baseline);
and messages per second of each. Tune on train/val, report on test.

Run: .venv/bin/python bench/tone.py --en data/english_test_text.txt --de ... --es ... [--limit N]
     (the label file is found by replacing 'text' with 'labels' in the name, or give --labels-suffix)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from nudge.rules.tone import message_sentiment, sentiment_label

CLASSES = ("negative", "neutral", "positive")
_NUMERIC = {"0": "negative", "1": "neutral", "2": "positive"}


def load(text_path: Path, limit: int | None) -> tuple[list[str], list[str]]:
    """Messages and gold labels; the label file sits beside the text file ('text' -> 'labels')."""
    label_path = text_path.with_name(text_path.name.replace("text", "labels"))
    texts = text_path.read_text(encoding="utf-8").splitlines()
    labels = [_NUMERIC.get(raw.strip(), raw.strip().lower()) for raw in label_path.read_text().splitlines()]
    if len(texts) != len(labels):
        sys.exit(f"{text_path}: {len(texts)} texts but {len(labels)} labels")
    return texts[:limit], labels[:limit]


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for cls in CLASSES:
        tp = sum(g == p == cls for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == cls != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == cls != p for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate(score: Callable[[str], float], texts: list[str], gold: list[str]) -> tuple[float, float, float]:
    """Accuracy, macro-F1 and messages per second of one scorer."""
    start = time.perf_counter()
    predicted = [sentiment_label(score(text)) for text in texts]
    elapsed = time.perf_counter() - start
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return accuracy, macro_f1(gold, predicted), len(texts) / elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for code in ("en", "de", "es"):
        parser.add_argument(f"--{code}", type=Path, help=f"{code} text file (labels file beside it)")
    parser.add_argument("--limit", type=int, default=None, help="first N messages per language")
    args = parser.parse_args(argv)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    message_sentiment("warm up the caches 🙂", language="de")
    message_sentiment("y los de español", language="es")
    scorers: dict[str, Callable[[str, str], float]] = {
        "ours": lambda text, _code: message_sentiment(text),
        "ours+lang": lambda text, code: message_sentiment(text, language=code),
        "vader": lambda text, _code: vader.polarity_scores(text)["compound"],
    }
    print(f"{'lang':<5}{'N':>6}  {'scorer':<10}{'accuracy':>9}{'macro-F1':>10}{'msg/s':>9}")
    for code in ("en", "de", "es"):
        path = getattr(args, code)
        if path is None:
            continue
        texts, gold = load(path, args.limit)
        for name, scorer in scorers.items():
            accuracy, f1, rate = evaluate(lambda text, s=scorer, c=code: s(text, c), texts, gold)
            print(f"{code:<5}{len(texts):>6}  {name:<10}{accuracy:>9.3f}{f1:>10.3f}{rate:>9.0f}")


if __name__ == "__main__":
    main()
