-- From PostgreSQL 15: whether a unique index treats NULLs as equal.
i.indnullsnotdistinct
