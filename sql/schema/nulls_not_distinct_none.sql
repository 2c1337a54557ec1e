-- Before PostgreSQL 15 NULLs are always distinct in a unique index.
false
