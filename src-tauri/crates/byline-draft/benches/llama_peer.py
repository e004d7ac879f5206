"""llama.cpp peer for `byline bench generate` (run by `cargo xtask bench generate`).

usage:
  llama_peer.py BYLINE.json --model GGUF --tokens N [--runs 3] [--threads 2]

BYLINE.json is what `byline bench generate --json` printed. The peer evaluates exactly the prompt token ids
Byline fed its model (so tokenizer and chat-template differences cannot skew the prompt length), then
generates exactly N tokens greedily (argmax over the logits, end of turn ignored), with the same loop shape
as Byline's engine: prefill, then N times (pick a token, decode it). One warm-up run is not timed; medians
over RUNS. Prints JSON on stdout.
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np


def proc_status_mib(field):
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def last_logits(llm):
    # llama-cpp-python 0.3.x no longer copies logits into llm.scores unless logits_all; read them in place.
    import llama_cpp

    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def one_run(llm, prompt_ids, n):
    llm.reset()
    started = time.perf_counter()
    llm.eval(prompt_ids)
    prefill_s = time.perf_counter() - started
    generated = []
    ttft_s = None
    gen_started = time.perf_counter()
    for _ in range(n):
        token = int(np.argmax(last_logits(llm)))
        if ttft_s is None:
            ttft_s = time.perf_counter() - started
        generated.append(token)
        llm.eval([token])
    generate_s = time.perf_counter() - gen_started
    return prefill_s, ttft_s, generate_s, generated


def common_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("byline_json")
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    with open(args.byline_json, encoding="utf-8") as f:
        byline = json.load(f)
    prompt_ids = byline["prompt_token_ids"]

    rss_before_load_mib = proc_status_mib("VmRSS")
    import llama_cpp

    loading = time.perf_counter()
    llm = llama_cpp.Llama(
        model_path=args.model,
        n_ctx=len(prompt_ids) + args.tokens + 16,
        n_batch=max(512, len(prompt_ids)),
        n_threads=args.threads,
        n_threads_batch=args.threads,
        logits_all=False,
        verbose=False,
    )
    load_s = time.perf_counter() - loading

    # How llama.cpp's own tokenizer reads the same rendered prompt (informational: the ids above are used).
    own_ids = llm.tokenize(byline["rendered_prompt"].encode("utf-8"), add_bos=False, special=True)

    runs = []
    text = ""
    for i in range(args.runs + 1):
        prefill_s, ttft_s, generate_s, generated = one_run(llm, prompt_ids, args.tokens)
        if i == 0:
            text = llm.detokenize(generated).decode("utf-8", errors="replace")
            continue
        runs.append({"prefill_ms": prefill_s * 1000, "ttft_ms": ttft_s * 1000, "generate_ms": generate_s * 1000})

    prefill_ms = statistics.median(r["prefill_ms"] for r in runs)
    report = {
        "engine": "llama.cpp (llama-cpp-python %s)" % llama_cpp.__version__,
        "system_info": llama_cpp.llama_print_system_info().decode("utf-8", errors="replace").strip(),
        "threads": args.threads,
        "load_ms": load_s * 1000,
        "prompt_tokens": len(prompt_ids),
        "prompt_tok_s": len(prompt_ids) / (prefill_ms / 1000),
        "prefill_ms": prefill_ms,
        "ttft_ms": statistics.median(r["ttft_ms"] for r in runs),
        "generated_tokens": args.tokens,
        "gen_tok_s": statistics.median(args.tokens / (r["generate_ms"] / 1000) for r in runs),
        "rss_before_load_mib": rss_before_load_mib,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "runs": runs,
        "own_tokenization_matches": list(own_ids) == list(prompt_ids),
        "same_text_chars": common_prefix(text, byline.get("text", "")),
        "text": text,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
