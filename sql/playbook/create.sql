-- pgtune maintain: the record of every run and step. Created on the first run.
CREATE SCHEMA IF NOT EXISTS pgtune;
CREATE TABLE IF NOT EXISTS pgtune.maintenance_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    playbook    text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    status      text NOT NULL DEFAULT 'running',
    client      text NOT NULL,
    summary     jsonb,
    error       text
);
CREATE TABLE IF NOT EXISTS pgtune.maintenance_steps (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint NOT NULL REFERENCES pgtune.maintenance_runs ON DELETE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,
    step        text NOT NULL,
    command     text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    status      text NOT NULL DEFAULT 'running',
    summary     jsonb,
    error       text
);
CREATE INDEX IF NOT EXISTS maintenance_steps_run ON pgtune.maintenance_steps (run_id);
CREATE INDEX IF NOT EXISTS maintenance_runs_playbook ON pgtune.maintenance_runs (playbook, started_at);
