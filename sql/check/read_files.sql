-- pgtune check: files of the server's machine that tell its memory and CPUs ($1: paths), read by the
-- server itself (superuser or pg_read_server_files). A missing file comes back NULL.
SELECT p.path AS path,
       pg_read_file(p.path, 0, 1048576, true) AS contents
FROM unnest($1::text[]) AS p(path);
