#!/bin/sh
# The database roles of docker-compose.yml (README, "Production"). The postgres image runs this
# once, as the cluster's superuser, when the db service first creates its data directory; it can
# be run again by hand (it changes only what differs), e.g. to move an older installation over:
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-cvms-roles.sh
#
# - cvms       owns the database and its tables and runs the migrations (the migrate service);
#              not a superuser.
# - cvms_app   NOLOGIN: what the application may do. Migration cvms 0006 grants it every table,
#              but only SELECT and INSERT on the audit trail.
# - cvms_web   the login of web, worker and beat: a member of cvms_app, neither superuser nor
#              owner, so it can't TRUNCATE the audit trail or switch its triggers off.
set -eu
: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}" "${OWNER_DB_PASSWORD:?}" "${APP_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v dbname="$POSTGRES_DB" -v owner_password="$OWNER_DB_PASSWORD" -v app_password="$APP_DB_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE cvms' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cvms') \gexec
ALTER ROLE cvms LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';

SELECT 'CREATE ROLE cvms_app' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cvms_app') \gexec
ALTER ROLE cvms_app NOLOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS;

SELECT 'CREATE ROLE cvms_web' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cvms_web') \gexec
ALTER ROLE cvms_web LOGIN INHERIT NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
GRANT cvms_app TO cvms_web;

-- The owner owns the database and the public schema; nobody else may create objects in it.
ALTER DATABASE :"dbname" OWNER TO cvms;
ALTER SCHEMA public OWNER TO cvms;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
