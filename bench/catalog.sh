#!/usr/bin/env bash
# A large catalog for the benchmarks, built once and cached outside the repository:
# 10,000 tables, 40,000 indexes (primary key + 3), foreign keys, 200 materialized views.
# Source it: it starts the cached cluster (building it the first time) and exports PGHOST, PGPORT,
# PGUSER and PGDATABASE for it. Stop it with `bench_catalog_stop`.
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
export PGHOST="$bench_dir" PGPORT=5499 PGUSER=postgres PGDATABASE=bench

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

if ! "$bindir/psql" -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1; then
  echo "bench: building the catalog (10,000 tables, 40,000 indexes, 200 materialized views); once" >&2
  "$bindir/psql" -X -q -d postgres -c "CREATE DATABASE bench_building"
  "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d bench_building <<'SQL'
DO $$
BEGIN
  FOR s IN 0..9 LOOP
    EXECUTE format('CREATE SCHEMA app%s', s);
  END LOOP;
END $$;
-- Ten batches, committed one by one, so no single transaction holds 50,000 locks.
SELECT format('DO $do$ BEGIN FOR i IN %s..%s LOOP
  EXECUTE format(''CREATE TABLE app%%s.t%%s (id bigint PRIMARY KEY, parent_id bigint, a int, b text, c timestamptz DEFAULT now())'', i %% 10, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (a)'', i %% 10, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (b)'', i %% 10, i);
  EXECUTE format(''CREATE INDEX ON app%%s.t%%s (c)'', i %% 10, i);
  EXECUTE format(''INSERT INTO app%%s.t%%s (id, a, b) SELECT g, g %%%% 7, md5(g::text) FROM generate_series(1, 20) g'', i %% 10, i);
  IF i %% 4 = 1 THEN
    EXECUTE format(''ALTER TABLE app%%s.t%%s ADD FOREIGN KEY (parent_id) REFERENCES app%%s.t%%s (id)'', i %% 10, i, (i - 1) %% 10, i - 1);
  END IF;
END LOOP; END $do$;', b * 1000, b * 1000 + 999)
FROM generate_series(0, 9) AS b \gexec
DO $$
BEGIN
  FOR i IN 0..199 LOOP
    EXECUTE format('CREATE MATERIALIZED VIEW app%s.mv%s AS SELECT a, count(*) AS n FROM app%s.t%s GROUP BY a', i % 10, i, i % 10, i);
    EXECUTE format('CREATE UNIQUE INDEX ON app%s.mv%s (a)', i % 10, i);
  END LOOP;
END $$;
ANALYZE;
SQL
  "$bindir/psql" -X -q -d postgres -c "ALTER DATABASE bench_building RENAME TO bench"
fi

export PGTUNE_BENCH_BINDIR="$bindir"
bench_catalog_stop() { as_pg "$bindir/pg_ctl" -D "$data" -w stop -m fast >/dev/null; }
