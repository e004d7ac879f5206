"""The diffusers side of `cargo xtask bench images`.

Loads the tiny pipeline folder that `tiny_sd write` produced (the same safetensors files the
Byline side runs) with StableDiffusionPipeline, float32 on the CPU, and measures it the way
the Byline side does: one warm-up generation, then RUNS timed ones. Prints `key value` lines: the
load time, every interval between step-end callbacks, every generation's time and the
process's resident memory at start (before importing torch) and at its peak. The xtask takes
the medians.

usage: diffusers_peer.py DIR --prompt P --negative N --steps S --size WxH --guidance G
                         --seed SEED --runs R --threads T
"""

import argparse
import resource
import time


def rss_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--negative", required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--guidance", type=float, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    a = ap.parse_args()
    width, height = (int(x) for x in a.size.split("x"))

    rss_start = rss_mib("VmRSS")
    import torch
    from diffusers import StableDiffusionPipeline
    from diffusers.utils import logging

    logging.set_verbosity_error()
    torch.set_num_threads(a.threads)
    started = time.perf_counter()
    pipe = StableDiffusionPipeline.from_pretrained(
        a.dir, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False
    ).to("cpu")
    pipe.set_progress_bar_config(disable=True)
    load_s = time.perf_counter() - started

    def generate(ends):
        def on_step_end(_pipe, _i, _t, kwargs):
            ends.append(time.perf_counter())
            return kwargs

        with torch.inference_mode():
            pipe(
                a.prompt,
                negative_prompt=a.negative,
                num_inference_steps=a.steps,
                guidance_scale=a.guidance,
                width=width,
                height=height,
                generator=torch.Generator("cpu").manual_seed(a.seed),
                callback_on_step_end=on_step_end,
            )

    generate([])  # warm-up
    intervals, totals = [], []
    for _ in range(a.runs):
        ends = []
        started = time.perf_counter()
        generate(ends)
        totals.append(time.perf_counter() - started)
        if len(ends) != a.steps:
            raise SystemExit(f"expected {a.steps} step callbacks, got {len(ends)}")
        intervals += [b - e for e, b in zip(ends, ends[1:])]

    print(f"load_s {load_s:.4f}")
    print("step_intervals_s " + ",".join(f"{x:.5f}" for x in intervals))
    print("totals_s " + ",".join(f"{x:.5f}" for x in totals))
    print(f"rss_start_mib {rss_start:.1f}")
    # ru_maxrss is in KiB on Linux.
    print(f"peak_rss_mib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    print(f"versions torch {torch.__version__}, diffusers {__import__('diffusers').__version__}")


if __name__ == "__main__":
    main()
