#!/bin/sh
# Runs once, on an empty data volume (official postgres image, /docker-entrypoint-initdb.d):
# the image creates POSTGRES_DB (the enrollment service's database) owned by POSTGRES_USER; this
# adds Rasa's tracker database, ORIENTA_TRACKER_DB, owned by its own role ORIENTA_PG_TRACKER_USER.
# Each role can connect only to its own database: Rasa cannot read the registrations, the web
# app cannot read the conversations.
set -eu
: "${ORIENTA_TRACKER_DB:?ORIENTA_TRACKER_DB no está definida}"
: "${ORIENTA_PG_TRACKER_USER:?ORIENTA_PG_TRACKER_USER no está definida}"
: "${ORIENTA_PG_TRACKER_PASSWORD:?ORIENTA_PG_TRACKER_PASSWORD no está definida}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$ORIENTA_TRACKER_DB" -v rol="$ORIENTA_PG_TRACKER_USER" \
  -v clave="$ORIENTA_PG_TRACKER_PASSWORD" -v servicio="$POSTGRES_DB" \
  -v owner="$POSTGRES_USER" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'rol', :'clave')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'rol')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'rol')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db')\gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'servicio')\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'servicio', :'owner')\gexec
SQL
