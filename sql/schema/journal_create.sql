-- pgtune schema apply: the journal of every change it makes. Created on the first change.
CREATE SCHEMA IF NOT EXISTS pgtune;
CREATE TABLE IF NOT EXISTS pgtune.schema_journal (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    role        text NOT NULL DEFAULT current_user,
    client      text NOT NULL,
    object_kind text NOT NULL,
    object_name text NOT NULL,
    action      text NOT NULL,
    statement   text NOT NULL,
    file        text,
    line        integer,
    checksum    text,
    duration_ms bigint NOT NULL,
    outcome     text NOT NULL,
    error       text
);
COMMENT ON TABLE pgtune.schema_journal IS 'pgtune schema apply: one row per change attempted';
