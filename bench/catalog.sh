#!/usr/bin/env bash
# A large catalog for the benchmarks, built once per size and cached outside the repository:
# N tables (default 10,000; PGTUNE_BENCH_TABLES=100000 for the scale runs), 4 indexes each (primary
# key + 3), a foreign key on every fourth, one materialized view (with a unique index) per 50 tables.
# 10,000 tables live in 10 schemas (database `bench`), larger sizes 50 tables per schema, a tenant
# per schema (database `bench_N`).
# Source it: it starts the cached cluster (building the catalog the first time) and exports PGHOST,
# PGPORT, PGUSER and PGDATABASE for it. Stop it with `bench_catalog_stop`.
#   PGTUNE_BENCH_DIR  where the cluster lives (default /var/tmp/pgtune-bench: the postgres OS user
#                     must reach it, which rules out a home directory of mode 0700)
#   PGTUNE_PG_BINDIR  PostgreSQL binaries (default: pg_config --bindir, else newest /usr/lib/postgresql)
set -euo pipefail

bench_dir="${PGTUNE_BENCH_DIR:-/var/tmp/pgtune-bench}"
bindir="${PGTUNE_PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    bindir="$(pg_config --bindir)"
  else
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  fi
fi
[ -x "$bindir/initdb" ] || { echo "bench: no initdb found (set PGTUNE_PG_BINDIR)" >&2; exit 3; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$bench_dir"
[ "$(id -u)" = 0 ] && chown postgres: "$bench_dir"
data="$bench_dir/data-$(basename "$(dirname "$bindir")")"
tables="${PGTUNE_BENCH_TABLES:-10000}"
if [ "$tables" = 10000 ]; then db=bench; schemas=10; else db="bench_$tables"; schemas=$((tables / 50)); fi
export PGHOST="$bench_dir" PGPORT=5499 PGUSER=postgres PGDATABASE="$db"

if [ ! -f "$data/PG_VERSION" ]; then
  echo "bench: initdb in $data" >&2
  as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  cat >> "$data/postgresql.conf" <<CONF
port = $PGPORT
unix_socket_directories = '$bench_dir'
listen_addresses = ''
max_locks_per_transaction = 1024
shared_buffers = 256MB
fsync = off
synchronous_commit = off
CONF
fi
if ! as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  as_pg "$bindir/pg_ctl" -D "$data" -l "$bench_dir/server.log" -w -t 120 start >/dev/null
fi

if ! "$bindir/psql" -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  echo "bench: building the catalog ($tables tables in $schemas schemas, $((tables * 4)) indexes, $((tables / 50)) materialized views); once" >&2
  "$bindir/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS ${db}_building" -c "CREATE DATABASE ${db}_building"
  "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -v tables="$tables" -v schemas="$schemas" -d "${db}_building" <<'SQL'
SELECT format('CREATE SCHEMA app%s', s) FROM generate_series(0, :schemas - 1) AS s \gexec
-- Batches of 1,000 tables, committed one by one, so no single transaction holds too many locks.
-- Table i lives in schema i % schemas; every fourth references the one before it.
SELECT format('DO $do$ BEGIN FOR i IN %s..%s LOOP
  EXECUTE format(''CREATE TABLE app%%s.t%%s (id bigint PRIMARY KEY, parent_id bigint, a int, b text, c timestamptz DEFAULT now())'', i %% %s, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (a)'', i %% %s, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (b)'', i %% %s, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (c)'', i %% %s, i);
  EXECUTE format(''INSERT INTO app%%s.t%%s (id, a, b) SELECT g, g %%%% 7, md5(g::text) FROM generate_series(1, 20) g'', i %% %s, i);
  IF i %% 4 = 1 THEN
    EXECUTE format(''ALTER TABLE app%%s.t%%s ADD FOREIGN KEY (parent_id) REFERENCES app%%s.t%%s (id)'', i %% %s, i, (i - 1) %% %s, i - 1);
  END IF;
END LOOP; END $do$;', b * 1000, b * 1000 + 999, :schemas, :schemas, :schemas, :schemas, :schemas, :schemas, :schemas)
FROM generate_series(0, :tables / 1000 - 1) AS b \gexec
SELECT format('DO $do$ BEGIN FOR i IN %s..%s LOOP
  EXECUTE format(''CREATE MATERIALIZED VIEW app%%s.mv%%s AS SELECT a, count(*) AS n FROM app%%s.t%%s GROUP BY a'', i %% %s, i, i %% %s, i);
  EXECUTE format(''CREATE UNIQUE INDEX ON app%%s.mv%%s (a)'', i %% %s, i);
END LOOP; END $do$;', b * 100, b * 100 + 99, :schemas, :schemas, :schemas)
FROM generate_series(0, :tables / 50 / 100 - 1) AS b \gexec
ANALYZE;
SQL
  "$bindir/psql" -X -q -d postgres -c "ALTER DATABASE ${db}_building RENAME TO $db"
fi

export PGTUNE_BENCH_BINDIR="$bindir"
bench_catalog_stop() { as_pg "$bindir/pg_ctl" -D "$data" -w stop -m fast >/dev/null; }
