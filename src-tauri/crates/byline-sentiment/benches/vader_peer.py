"""The Python reference (vaderSentiment 3.3.2) on the same file as `byline bench sentiment`.

usage: PYTHONPATH=<vaderSentiment package dir> python3 vader_peer.py SENTENCES.txt [REPEATS]
Prints one JSON line like the Rust side: sentences per second, median of REPEATS passes after a warm-up.
"""
import json
import statistics
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
with open(path, encoding="utf-8") as f:
    sentences = [line.rstrip("\n") for line in f if line.strip()]
analyzer = SentimentIntensityAnalyzer()
times = []
for _ in range(repeats + 1):
    start = time.perf_counter()
    for s in sentences:
        analyzer.polarity_scores(s)
    times.append(time.perf_counter() - start)
times = times[1:]
median = statistics.median(times)
print(json.dumps({"engine": "python vaderSentiment 3.3.2", "sentences": len(sentences),
                  "median_seconds": median, "sentences_per_second": len(sentences) / median}))
