-- pgtune purge: --older-than ($1) read as PostgreSQL reads an interval, and whether it reaches into
-- the past (a zero or negative one would delete every row, or rows from the future).
SELECT $1::text::interval > interval '0' AS positive;
