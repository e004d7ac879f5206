#!/usr/bin/env python3
"""The peer for `cargo xtask bench library`: the same schema, the same generated articles and
queries, the same work per article (parse, hash, duplicate check, insert, CJK-aware FTS rows,
commit every 200), driven from Python's sqlite3. Prints one JSON line like `byline bench`.

usage: library_peer.py ARTICLES.jsonl QUERIES.txt SCHEMA.sql DB
"""
import hashlib
import json
import os
import re
import sqlite3
import sys
import time

SEP = "\u200b"
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def index_text(text):
    # Same rule as the Rust side: every CJK character becomes its own token.
    return CJK.sub(SEP + r"\1" + SEP, text).strip(SEP)


def build_query(text):
    terms = re.findall(r'"[^"]*"|[^\s"]+', text.strip())
    out = []
    for i, term in enumerate(terms):
        quoted = term.startswith('"')
        term = term.strip('"')
        if not any(c.isalnum() for c in term):
            continue
        escaped = index_text(term).replace('"', '""')
        prefix = i == len(terms) - 1 and not quoted and not CJK.search(term) and len(term) >= 2
        out.append(f'"{escaped}"*' if prefix else f'"{escaped}"')
    return " ".join(out)


def content_hash(body):
    h = hashlib.sha256()
    for word in body.split():
        h.update(word.encode())
        h.update(b" ")
    return h.hexdigest()


def main():
    articles, queries, schema, db = sys.argv[1:5]
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(open(schema, encoding="utf-8").read())

    start = time.perf_counter()
    imported = 0
    pending = 0
    conn.execute("BEGIN")
    with open(articles, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            a = json.loads(line)
            body = a["body"]
            digest = content_hash(body)
            if conn.execute("SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (digest,)).fetchone():
                continue
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            cur = conn.execute(
                "INSERT INTO articles (title, body, byline, tags, language, published, source_path, content_hash,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a["title"], body, a.get("byline"), json.dumps(a.get("tags", [])), a.get("language"),
                 a.get("published"), articles, digest, now, now),
            )
            meta = "\n".join([a.get("byline") or ""] + a.get("tags", []))
            conn.execute(
                "INSERT INTO articles_fts(rowid, title, body, meta) VALUES (?, ?, ?, ?)",
                (cur.lastrowid, index_text(a["title"]), index_text(body), index_text(meta)),
            )
            imported += 1
            pending += 1
            if pending >= 200:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                pending = 0
    conn.execute("COMMIT")
    import_seconds = time.perf_counter() - start

    times = []
    sql = (
        "SELECT rowid, highlight(articles_fts, 0, char(57344), char(57345)),"
        " snippet(articles_fts, 1, char(57344), char(57345), '…', 40), bm25(articles_fts, 8.0, 1.0, 2.0) AS score"
        " FROM articles_fts WHERE articles_fts MATCH ? ORDER BY score LIMIT 20"
    )
    for q in open(queries, encoding="utf-8").read().splitlines():
        t = time.perf_counter()
        rows = conn.execute(sql, (build_query(q),)).fetchall()
        # The Rust side turns markers into escaped HTML; do the equivalent work here.
        _ = [(r[0], r[1].replace(SEP, ""), r[2].replace(SEP, "")) for r in rows]
        times.append((time.perf_counter() - t) * 1000)
    times.sort()

    def pct(p):
        return times[min(len(times) - 1, round((len(times) - 1) * p))] if times else 0.0

    print(json.dumps({
        "articles": imported,
        "import_seconds": import_seconds,
        "articles_per_second": imported / import_seconds,
        "queries": len(times),
        "search_p50_ms": pct(0.5),
        "search_p95_ms": pct(0.95),
        "sqlite_version": sqlite3.sqlite_version,
    }))


if __name__ == "__main__":
    main()
