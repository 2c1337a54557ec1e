-- A session's statement_timeout: a playbook SQL step's limit, a job's share of a time budget ('0ms': none).
SELECT set_config('statement_timeout', $1, false)
