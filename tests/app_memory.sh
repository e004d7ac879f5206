#!/bin/bash
# Idle memory of the desktop app as a reporter sees it: every process of the app (the Rust process and
# WebKit's web and network processes), PSS and RSS, one minute after opening a library of 82 articles.
# usage: tests/app_memory.sh target/release/byline-app target/release/byline [SECONDS]
# (EXTRA_ENV="NAME=VALUE" adds to the app's environment, e.g. WEBKIT_DISABLE_COMPOSITING_MODE=1.)
set -u
app=$1; cli=$2; wait_s=${3:-60}
work=$(mktemp -d); home=$work/home; arts=$work/articles; mkdir -p $home $arts
python3 - "$arts" <<'PY'
import sys, random
random.seed(7)
words = "council harbour budget school flood river mayor police hospital transport housing election court museum festival market".split()
zh = "北京 上海 住房 政策 地铁 学校 医院 市民 政府 公园 交通 经济".split()
for i in range(82):
    if i % 5 == 4:
        body = "。".join("".join(random.choice(zh) for _ in range(12)) for _ in range(40)) + "。"
        title = "".join(random.choice(zh) for _ in range(4))
    else:
        body = "\n\n".join(" ".join(random.choice(words) for _ in range(60)).capitalize() + "." for _ in range(10))
        title = " ".join(random.choice(words) for _ in range(5)).title()
    open(f"{sys.argv[1]}/a{i:03}.md", "w").write(f"---\ntitle: {title}\n---\n{body}\n")
PY
BYLINE_HOME=$home $cli library import $arts > /dev/null 2>&1
start=$(date +%s.%N)
env ${EXTRA_ENV:-} BYLINE_HOME=$home BYLINE_LOG=info xvfb-run -a -s "-screen 0 1440x900x24" $app > $work/app.out 2>&1 &
runner=$!
sleep $wait_s
apppid=$(pgrep -n -f "^$app\$" || pgrep -n -x "$(basename $app)")
pids="$apppid $(pgrep -P $apppid | tr '\n' ' ')"
total_pss=0; total_rss=0
for p in $pids; do
  name=$(cat /proc/$p/comm)
  pss=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup)
  rss=$(awk '/^VmRSS:/ {print $2}' /proc/$p/status)
  echo "$name pid=$p pss=$((pss/1024))MiB rss=$((rss/1024))MiB"
  total_pss=$((total_pss+pss)); total_rss=$((total_rss+rss))
done
echo "total pss=$((total_pss/1024))MiB rss=$((total_rss/1024))MiB"
grep -h "window asked" $home/logs/byline.log
kill $apppid 2>/dev/null; sleep 1; kill $runner 2>/dev/null
rm -rf $work
