-- pgtune maintain: a SQL step's time limit on its session ('0' when it has none).
SELECT set_config('statement_timeout', $1, false)
