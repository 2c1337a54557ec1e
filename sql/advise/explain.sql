EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE pgtune_advise{arguments}
