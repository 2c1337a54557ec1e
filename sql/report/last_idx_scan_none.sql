-- Fragment of report/indexes.sql before PostgreSQL 16, which does not record the last scan.
NULL::timestamptz
