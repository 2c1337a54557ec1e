-- Fragment of check/alter_system.sql, before PostgreSQL 15: only a superuser may ALTER SYSTEM.
coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
