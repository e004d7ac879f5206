#!/usr/bin/env python3
"""Transcription benchmark: Byline (with and without voice-activity detection) against whisper.cpp (pywhispercpp)
on the same ggml file and faster-whisper on the same CTranslate2 weights. Each engine runs in its own process
(model load included), so wall time and peak memory (max RSS from wait4) are measured the same way for all.
Rounds are interleaved (every engine once per file per round, the order rotating), and the table gives the
median wall time with its range and the word error rate against the reference text.

    python3 peer_bench.py --byline target/release/byline --home HOME --ggml ggml-tiny.en.bin \\
        --ct2 HOME/models/whisper-tiny.en-ct2 --jfk jfk.wav --threads 2 --rounds 5

`--home` is a Byline data folder with `silero-vad` installed (`byline --home HOME models pull silero-vad`).
Three files are made in --work from jfk.wav (US public domain) and eSpeak NG: jfk.wav itself; long10.wav,
jfk.wav with 2 s of silence repeated 46 times (598 s); interview.wav, about ten minutes of speech (jfk.wav's two
sentences and eSpeak NG reading news sentences) separated by pauses of 2 to 12 s of low room noise, as in a
recorded interview. Needs sox and espeak-ng, and `pip install pywhispercpp faster-whisper` (an engine that cannot
be imported is reported as missing). All engines decode greedily on the CPU with the same thread count.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import wave

JFK = "and so my fellow americans ask not what your country can do for you ask what you can do for your country"

SENTENCES = [
    "The city council voted on Tuesday to close the old library on Main Street.",
    "Residents said they had not been told about the decision until the meeting began.",
    "The mayor's office declined to comment on the cost of the new building.",
    "Police closed the bridge for three hours after a truck lost its load.",
    "Nobody was hurt, but traffic was backed up as far as the river.",
    "The hospital will hire forty nurses before the end of the year.",
    "Union leaders welcomed the plan but warned that wages are still too low.",
    "Farmers in the valley expect a smaller harvest after the dry summer.",
    "The school board will publish the budget next week.",
    "Two candidates have filed papers to run for the seat in the spring election.",
    "The company said it would move its headquarters to the harbour district.",
    "Local businesses hope the new rail line will bring more visitors.",
]

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


def run_measured(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS MiB of that process, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err.decode(errors='replace')[-400:]}")
    return wall, usage.ru_maxrss / 1024.0, out.decode(errors="replace")


def norm_words(text):
    text = text.lower().replace("'", "")
    return "".join(c if c.isalnum() else " " for c in text).split()


def wer(ref, hyp):
    r, h = norm_words(ref), norm_words(hyp)
    prev = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        cur = [i] + [0] * len(h)
        for j in range(1, len(h) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
        prev = cur
    return prev[-1] / max(1, len(r))


def sox(*args):
    subprocess.run(["sox", *args], check=True)


def make_files(jfk, work):
    """Writes the three test files; returns [(path, reference text)]."""
    os.makedirs(work, exist_ok=True)
    files = [(jfk, JFK)]
    long10 = os.path.join(work, "long10.wav")
    pad = os.path.join(work, "jfk_pad.wav")
    if not os.path.exists(long10):
        sox(jfk, pad, "pad", "0", "2")
        sox(pad, long10, "repeat", "45")
    files.append((long10, " ".join([JFK] * 46)))
    interview = os.path.join(work, "interview.wav")
    ref_path = interview + ".txt"
    if not os.path.exists(interview):
        rng = random.Random(7)
        parts, refs = [], []
        halves = [(os.path.join(work, "jfk_a.wav"), JFK.split(" ask what you")[0]),
                  (os.path.join(work, "jfk_b.wav"), "ask what you can do for your country")]
        sox(jfk, halves[0][0], "trim", "0", "7.6")
        sox(jfk, halves[1][0], "trim", "7.6")
        for i, text in enumerate(SENTENCES):
            raw = os.path.join(work, f"say{i}.raw.wav")
            out = os.path.join(work, f"say{i}.wav")
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, text], check=True)
            sox(raw, "-r", "16000", "-c", "1", "-b", "16", out, "vol", "0.6")
        seconds = 0.0
        k = 0
        while seconds < 590:
            gap = rng.uniform(2, 12)
            noise = os.path.join(work, f"gap{k}.wav")
            sox("-n", "-r", "16000", "-b", "16", "-c", "1", noise, "synth", f"{gap:.2f}", "pinknoise", "vol", "0.004")
            parts.append(noise)
            seconds += gap
            if k % 3 == 2:
                path, text = halves[(k // 3) % 2]
            else:
                i = rng.randrange(len(SENTENCES))
                path, text = os.path.join(work, f"say{i}.wav"), SENTENCES[i]
            parts.append(path)
            refs.append(text)
            with wave.open(path) as w:
                seconds += w.getnframes() / w.getframerate()
            k += 1
        sox(*parts, interview)
        with open(ref_path, "w") as fh:
            fh.write(" ".join(refs))
    with open(ref_path) as fh:
        files.append((interview, fh.read()))
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--byline", required=True)
    ap.add_argument("--home", required=True, help="Byline data folder with silero-vad installed")
    ap.add_argument("--ggml", required=True)
    ap.add_argument("--ct2", required=True)
    ap.add_argument("--jfk", required=True)
    ap.add_argument("--work", default="/tmp/byline-transcribe-bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated file names to run (default: all)")
    a = ap.parse_args()
    files = make_files(a.jfk, a.work)
    if a.only:
        files = [f for f in files if os.path.basename(f[0]) in a.only.split(",")]
    out_dir = os.path.join(a.work, "out")

    def byline(path, vad):
        cmd = [a.byline, "--home", a.home, "transcribe", path, "--model", a.ggml, "--threads", str(a.threads),
               "--no-save", "--format", "txt", "--no-timestamps", "--out", out_dir]
        if not vad:
            cmd.append("--no-vad")
        stem = os.path.splitext(os.path.basename(path))[0]
        target = os.path.join(out_dir, stem + ".txt")
        if os.path.exists(target):
            os.remove(target)
        wall, rss, _ = run_measured(cmd)
        with open(target) as fh:
            return wall, rss, fh.read()

    # pywhispercpp built from source installs whisper.cpp's shared libraries beside the module.
    import sysconfig
    peer_env = dict(os.environ)
    site = sysconfig.get_paths()["purelib"]
    peer_env["LD_LIBRARY_PATH"] = site + os.pathsep + peer_env.get("LD_LIBRARY_PATH", "")

    def peer(kind, model):
        return lambda path: (lambda r: (r[0], r[1], json.loads(r[2].strip().splitlines()[-1])["text"]))(
            run_measured([sys.executable, "-c", WORKER, kind, model, path, str(a.threads)], peer_env))

    engines = [("byline (VAD)", lambda p: byline(p, True)), ("byline (no VAD)", lambda p: byline(p, False)),
               ("whisper.cpp", peer("whisper.cpp", a.ggml)), ("faster-whisper", peer("faster-whisper", a.ct2))]
    results = {}
    missing = set()
    for r in range(a.rounds):
        for path, _ in files:
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            for name, fn in order:
                if name in missing:
                    continue
                try:
                    got = fn(path)
                    results.setdefault((path, name), []).append(got)
                except Exception as e:  # an engine that is not installed is reported, not fatal
                    print(f"{name}: {e}", file=sys.stderr)
                    missing.add(name)
        print(f"round {r + 1} of {a.rounds} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr)
    print(f"| file | audio | engine | wall, median (range) | vs fastest peer | peak RSS | WER |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for path, ref in files:
        with wave.open(path) as w:
            seconds = w.getnframes() / w.getframerate()
        medians = {n: statistics.median(x[0] for x in results[(path, n)]) for n, _ in engines if (path, n) in results}
        peers = [medians[n] for n in ("whisper.cpp", "faster-whisper") if n in medians]
        fastest = min(peers) if peers else float("nan")
        for name, _ in engines:
            runs = results.get((path, name))
            if not runs:
                continue
            walls = [x[0] for x in runs]
            rss = statistics.median(x[1] for x in runs)
            print(f"| {os.path.basename(path)} | {seconds:.0f} s | {name} | {medians[name]:.2f} s "
                  f"({min(walls):.2f}–{max(walls):.2f}) | {medians[name] / fastest:.2f}× | {rss:.0f} MiB | "
                  f"{100 * wer(ref, runs[-1][2]):.1f} % |")


if __name__ == "__main__":
    main()
