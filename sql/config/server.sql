-- pgtune config: facts about the connected server that the recommendation depends on.
-- Runtime-computed settings (shared_memory_size*, PostgreSQL 15+) and huge_page_size (14+) come back
-- NULL on versions that lack them.
SELECT
    current_setting('server_version_num')::int                          AS version_num,
    version()                                                           AS version_string,
    (SELECT sum(pg_database_size(d.oid))
       FROM pg_database AS d
      WHERE d.datallowconn
        AND has_database_privilege(d.oid, 'CONNECT'))::bigint           AS databases_bytes,
    pg_size_bytes(current_setting('shared_buffers'))                    AS shared_buffers_bytes,
    pg_size_bytes(current_setting('shared_memory_size', true))          AS shared_memory_bytes,
    current_setting('shared_memory_size_in_huge_pages', true)::bigint   AS huge_pages_needed,
    pg_size_bytes(current_setting('huge_page_size', true))              AS huge_page_size_bytes;
