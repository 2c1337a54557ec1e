-- Fragment of check/alter_system.sql, PostgreSQL 15+: a superuser, or a role granted ALTER SYSTEM on it.
has_parameter_privilege(n, 'ALTER SYSTEM')
