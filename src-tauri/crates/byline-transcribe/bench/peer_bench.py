#!/usr/bin/env python3
"""Transcription benchmark: Byline against whisper.cpp (pywhispercpp) on the same ggml file and against
faster-whisper on the same CTranslate2 weights, in one run. Each engine runs in its own process (model load
included), so wall time and peak memory (max RSS from wait4) are measured the same way for all three.

    python3 peer_bench.py --byline target/release/byline --ggml models/cache/ggml-tiny.en.bin \
        --ct2 models/cache/home/models/whisper-tiny.en-ct2 --threads 2 jfk.wav long10.wav

All engines decode greedily (beam 1) on the CPU with the same thread count. Needs `pip install pywhispercpp
faster-whisper`; an engine that cannot be imported is reported as missing.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import wave

WORKER = r'''
import sys, json, wave, numpy as np
kind, model, path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with wave.open(path) as w:
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, "16 kHz mono s16 WAV"
    audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0
if kind == "whisper.cpp":
    from pywhispercpp.model import Model
    m = Model(model, n_threads=threads, print_progress=False, print_realtime=False)
    text = " ".join(s.text for s in m.transcribe(audio, language="en"))
else:
    from faster_whisper import WhisperModel
    m = WhisperModel(model, device="cpu", cpu_threads=threads, compute_type="float32")
    segs, _ = m.transcribe(audio, beam_size=1, language="en", condition_on_previous_text=False)
    text = " ".join(s.text for s in segs)
print(json.dumps({"text": text}))
'''


def run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err.decode(errors='replace')[-400:]}")
    return wall, usage.ru_maxrss / 1024.0, out.decode(errors="replace")


def words(text):
    return len("".join(c if c.isalnum() else " " for c in text).split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--byline", required=True)
    ap.add_argument("--ggml", required=True)
    ap.add_argument("--ct2", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    rows = []
    for f in a.files:
        with wave.open(f) as w:
            seconds = w.getnframes() / w.getframerate()
        results = {}
        out_dir = "/tmp/byline-bench-out"
        cmd = [a.byline, "--home", "/tmp/byline-bench-home", "transcribe", f, "--model", a.ggml, "--threads",
               str(a.threads), "--no-save", "--format", "txt", "--no-timestamps", "--out", out_dir]
        wall, rss, _ = run(cmd)
        stem = os.path.splitext(os.path.basename(f))[0]
        with open(os.path.join(out_dir, stem + ".txt")) as fh:
            results["byline"] = (wall, rss, fh.read())
        for kind, model in (("whisper.cpp", a.ggml), ("faster-whisper", a.ct2)):
            try:
                wall, rss, out = run([sys.executable, "-c", WORKER, kind, model, f, str(a.threads)])
                results[kind] = (wall, rss, json.loads(out.strip().splitlines()[-1])["text"])
            except Exception as e:  # an engine that is not installed is reported, not fatal
                print(f"{kind}: {e}", file=sys.stderr)
        base = results["byline"][0]
        for name, (wall, rss, text) in results.items():
            rows.append((os.path.basename(f), seconds, name, wall, wall / base, rss, words(text)))
    print("| file | audio s | engine | wall s | wall vs Byline | peak RSS MiB | words |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.0f} | {r[2]} | {r[3]:.2f} | {r[4]:.2f}× | {r[5]:.0f} | {r[6]} |")


if __name__ == "__main__":
    main()
