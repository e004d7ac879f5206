"""Python peers for `byline bench embed` and `byline bench related` (run by `cargo xtask bench related`).

usage:
  related_peer.py embed MODEL_DIR TEXTS.txt [--batch 16] [--max-tokens 256] [--threads 2] [--runs 3]
      sentence-transformers on the same model folder and the same passages (one per line, as written by
      `byline bench embed --texts-out`): mean pooling, L2-normalised, CPU. One warm-up batch is not timed;
      prints passages per second, median of RUNS passes over all passages.
  related_peer.py search [--sizes 1000,10000,100000] [--queries 200] [--dim 384] [--k 10] [--threads 1]
      numpy brute-force top-k over random float32 unit vectors: matrix @ query, argpartition, sort the k.
      Only the search is timed (one warm-up query first); prints p50/p95 in ms per size.
Both print JSON on stdout.
"""
import argparse
import json
import os
import statistics
import sys
import time


def limit_threads(n):
    # Must run before numpy/torch load their BLAS and OpenMP runtimes.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def percentile(sorted_values, p):
    # Nearest rank, the same rule as the Rust side.
    return sorted_values[round((len(sorted_values) - 1) * p)]


def embed(args):
    limit_threads(args.threads)
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer, models

    torch.set_num_threads(args.threads)
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    word = models.Transformer(args.model_dir, max_seq_length=args.max_tokens)
    pooling = models.Pooling(word.auto_model.config.hidden_size, pooling_mode="mean")
    model = SentenceTransformer(modules=[word, pooling, models.Normalize()], device="cpu")
    model.encode(texts[: args.batch], batch_size=args.batch)  # warm-up, not timed
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        model.encode(texts, batch_size=args.batch)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        "engine": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}",
        "passages": len(texts), "batch": args.batch, "max_tokens": args.max_tokens,
        "threads": torch.get_num_threads(), "runs": args.runs, "median_seconds": median,
        "passages_per_s": len(texts) / median,
    }))


def search(args):
    limit_threads(args.threads)
    import numpy as np

    rng = np.random.default_rng(11)

    def unit(n):
        v = rng.uniform(-1.0, 1.0, size=(n, args.dim)).astype(np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def top_k(matrix, query, k):
        scores = matrix @ query
        if k < len(scores):
            idx = np.argpartition(scores, -k)[-k:]
        else:
            idx = np.arange(len(scores))
        return idx[np.argsort(-scores[idx])]

    rows = []
    for n in args.sizes:
        matrix = unit(n)
        queries = unit(args.queries)
        top_k(matrix, queries[0], args.k)  # warm-up, not timed
        ms = []
        for q in queries:
            start = time.perf_counter()
            top_k(matrix, q, args.k)
            ms.append((time.perf_counter() - start) * 1000.0)
        ms.sort()
        rows.append({"passages": n, "p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95)})
    print(json.dumps({"engine": f"numpy {np.__version__}", "threads": args.threads, "rows": rows}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("embed")
    e.add_argument("model_dir")
    e.add_argument("texts")
    e.add_argument("--batch", type=int, default=16)
    e.add_argument("--max-tokens", type=int, default=256)
    e.add_argument("--threads", type=int, default=2)
    e.add_argument("--runs", type=int, default=3)
    s = sub.add_parser("search")
    s.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=[1000, 10000, 100000])
    s.add_argument("--queries", type=int, default=200)
    s.add_argument("--dim", type=int, default=384)
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.command == "embed":
        embed(args)
    else:
        search(args)


if __name__ == "__main__":
    sys.exit(main())
