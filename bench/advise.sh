#!/usr/bin/env bash
# Index advice, measured: (1) a pgbench custom-script workload (`pgbench -f`) on the seed's schema at
# a few million rows, mean and p95 latency before and after applying what `pgtune advise indexes`
# advises (through `--write` and `schema apply`), side by side in one run; (2) advise's own run time
# and peak memory for a 500-statement pg_stat_statements on the 10,000-table catalog
# (bench/catalog.sh; target: under 10 s). Writes the "## Index advice" section of BENCHMARKS.md.
#   PGTUNE_ADVISE_ROWS  orders (default 2,000,000; students half, order_items 1.5x)
#   PGTUNE_ADVISE_SECONDS  each pgbench run's length (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q
pgtune="$PWD/target/release/pgtune"
rows="${PGTUNE_ADVISE_ROWS:-2000000}"
seconds="${PGTUNE_ADVISE_SECONDS:-20}"
work="$(mktemp -d /var/tmp/pgtune-advise.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres: "$work"
trap 'rm -rf "$work"' EXIT

# --- (2) first: the 10,000-table catalog, pg_stat_statements preloaded, 500 statements.
# shellcheck source=bench/catalog.sh
source bench/catalog.sh
bin="$PGTUNE_BENCH_BINDIR"
if [ "$("$bin/psql" -X -tAc "SHOW shared_preload_libraries")" != "pg_stat_statements" ]; then
  "$bin/psql" -X -q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
  as_pg "$bin/pg_ctl" -D "$data" -w -t 120 restart -m fast -l "$bench_dir/server.log" >/dev/null
fi
"$bin/psql" -X -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "CREATE EXTENSION IF NOT EXISTS hypopg"
"$bin/psql" -X -q -c "SELECT pg_stat_statements_reset()" >/dev/null
# 500 statement shapes over 500 tables, each run 5 times with different constants.
python3 - "$work/catalog_workload.sql" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for k in range(5):
        for i in range(500):
            s = i % 10
            kind = i % 3
            if kind == 0:
                f.write(f"SELECT * FROM app{s}.t{i} WHERE parent_id = {k};\n")
            elif kind == 1:
                f.write(f"SELECT id FROM app{s}.t{i} WHERE a = {k} AND b = 'x{k}';\n")
            else:
                f.write(f"SELECT count(*) FROM app{s}.t{i} WHERE c > now() - interval '{k + 1} days';\n")
PY
"$bin/psql" -X -q -o /dev/null -f "$work/catalog_workload.sql"
python3 bench/measure.py once -- "$pgtune" advise indexes --top 500 --format json > "$work/catalog.json"
bench_catalog_stop

# --- (1) the seed's schema at a few million rows, in its own cluster.
data2="$work/data"
as_pg "$bin/initdb" -D "$data2" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
cat >> "$data2/postgresql.conf" <<CONF
port = 5497
unix_socket_directories = '$work'
listen_addresses = ''
shared_preload_libraries = 'pg_stat_statements'
shared_buffers = 512MB
fsync = off
synchronous_commit = off
CONF
as_pg "$bin/pg_ctl" -D "$data2" -l "$work/server.log" -w -t 120 start >/dev/null
trap 'as_pg "$bin/pg_ctl" -D "$data2" -w stop -m immediate >/dev/null 2>&1; rm -rf "$work"' EXIT
export PGHOST="$work" PGPORT=5497 PGDATABASE=advise
"$bin/psql" -X -q -d postgres -c "CREATE DATABASE advise"
echo "advise bench: loading $rows orders and the rest" >&2
"$bin/psql" -X -q -o /dev/null -v ON_ERROR_STOP=1 -v rows="$rows" <<'SQL'
CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg; CREATE EXTENSION pg_trgm;
CREATE TABLE schools (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO schools SELECT g, 'school ' || g FROM generate_series(1, 1000) g;
CREATE TABLE students (id int PRIMARY KEY, school_id int NOT NULL, grade int NOT NULL,
                       active boolean NOT NULL, email text NOT NULL);
INSERT INTO students SELECT g, g % 1000 + 1, g % 12 + 1, g % 10 = 0, 'student' || g || '@example.com'
FROM generate_series(1, :rows / 2) g;
CREATE TABLE menu_items (id int PRIMARY KEY, school_id int NOT NULL, name text NOT NULL);
INSERT INTO menu_items SELECT g, g % 1000 + 1,
       CASE WHEN g % 100 = 0 THEN 'pizza slice ' || g ELSE 'item ' || md5(g::text) END
FROM generate_series(1, :rows / 10) g;
CREATE TABLE orders (id int PRIMARY KEY, student_id int NOT NULL, school_id int NOT NULL,
                     status text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, g % (:rows / 2) + 1, g % 1000 + 1,
       CASE WHEN g % 20 = 0 THEN 'open' ELSE 'done' END, now() - (g || ' seconds')::interval
FROM generate_series(1, :rows) g;
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL, menu_item_id int NOT NULL, qty int NOT NULL);
INSERT INTO order_items SELECT g, g % :rows + 1, g % (:rows / 10) + 1, 1 FROM generate_series(1, :rows * 3 / 2) g;
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
VACUUM ANALYZE;
SELECT pg_stat_reset();
SQL
cat > "$work/workload.pgbench" <<PGB
\set student random(1, $((rows / 2)))
\set school random(1, 1000)
\set item random(1, $((rows / 10)))
\set order random(1, $rows)
SELECT * FROM orders WHERE student_id = :student;
SELECT count(*) FROM orders WHERE school_id = :school AND created_at >= now() - interval '2 days';
SELECT id, email FROM students WHERE active AND school_id = :school;
SELECT * FROM menu_items WHERE lower(name) = 'item ' || md5(:item::text);
SELECT count(*) FROM menu_items WHERE name ILIKE '%pizza slice ' || :item || '%';
SELECT qty FROM order_items WHERE order_id = :order;
PGB
latency() { # mean and p95 of one pgbench run's per-transaction log, in ms
  rm -f "$work"/pgbench_log.*
  (cd "$work" && "$bin/pgbench" -n -M prepared -c 2 -j 1 -T "$seconds" -l -f workload.pgbench >/dev/null)
  cat "$work"/pgbench_log.* | python3 -c '
import sys
lat = sorted(int(l.split()[2]) / 1000.0 for l in sys.stdin if l.strip())
print(f"{sum(lat) / len(lat):.2f} {lat[int(0.95 * (len(lat) - 1))]:.2f} {len(lat)}")'
}
"$bin/psql" -X -q -c "SELECT pg_stat_statements_reset()" >/dev/null
read -r before_mean before_p95 before_n < <(latency)
python3 bench/measure.py once -- "$pgtune" advise indexes --format json --write "$work/advice.sql" > "$work/advice.json"
"$pgtune" schema apply --yes "$work/advice.sql" >/dev/null
"$bin/psql" -X -q -c "ANALYZE"
read -r after_mean after_p95 after_n < <(latency)

python3 - "$work/catalog.json" "$work/advice.json" "$before_mean" "$before_p95" "$before_n" "$after_mean" "$after_p95" "$after_n" "$rows" "$seconds" "$work/advice.sql" <<'PY'
import json, os, re, sys
catalog, advice = (json.load(open(p)) for p in sys.argv[1:3])
bm, bp, bn, am, ap, an = map(float, sys.argv[3:9])
rows, seconds, advice_file = int(sys.argv[9]), sys.argv[10], sys.argv[11]
report = json.loads(advice["stdout"])
cat = json.loads(catalog["stdout"])
out = ["## Index advice", "",
       f"`bash bench/advise.sh`, one run. A pgbench custom-script workload (`pgbench -f`, 2 clients, "
       f"{seconds} s each run, prepared statements) on the seed's schema with {rows:,} orders, "
       f"{rows // 2:,} students, {rows * 3 // 2:,} order items and {rows // 10:,} menu items, before and "
       "after building what `pgtune advise indexes` advised (`--write`, then `schema apply`).", "",
       "| workload | transactions | mean latency | p95 latency |", "|---|---:|---:|---:|",
       f"| before advice | {bn:,.0f} | {bm:.2f} ms | {bp:.2f} ms |",
       f"| after advice | {an:,.0f} | {am:.2f} ms | {ap:.2f} ms |",
       f"| ratio (after / before) | {an / bn:.1f}x | {am / bm:.3f}x | {ap / bp:.3f}x |", "",
       f"Advised ({advice['seconds']:.1f} s, peak RSS {advice['max_rss_mb']:.0f} MB, "
       f"{report['planned']} statements planned):", ""]
out += [f"- `{i['statement']}` ({i['proof']}, {i['improvement_percent']:.0f}% lower weighted cost)" for i in report["indexes"]]
out += ["", "| advise indexes on the 10,000-table catalog | statements | time | peak RSS | target |",
        "|---|---:|---:|---:|---|",
        f"| 500 statements from pg_stat_statements | {cat['planned']} planned, {len(cat['indexes'])} advised | "
        f"{catalog['seconds']:.1f} s | {catalog['max_rss_mb']:.0f} MB | under 10 s |", "",
        "The catalog's tables hold 20 rows each, so reading one whole is its cheapest plan and nothing is",
        "advised there: that row measures planning, generating candidates and proving them for 500 statements.", ""]
text = open("BENCHMARKS.md").read() if os.path.exists("BENCHMARKS.md") else "# Benchmarks\n"
text = re.sub(r"\n## Index advice\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n") + "\n\n" + "\n".join(out)
open("BENCHMARKS.md", "w").write(text)
print("\n".join(out))
PY
