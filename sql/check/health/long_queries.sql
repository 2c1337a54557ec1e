-- Client queries running for at least $1 seconds, longest first.
SELECT pid,
       datname::text                                         AS datname,
       usename::text                                         AS usename,
       extract(epoch FROM now() - query_start)::float8       AS seconds,
       left(regexp_replace(query, '\s+', ' ', 'g'), 120)     AS query,
       count(*) OVER ()                                      AS total
FROM pg_stat_activity
WHERE state = 'active'
  AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND now() - query_start >= make_interval(secs => $1::float8)
ORDER BY query_start
LIMIT 200;
