#!/bin/sh
# Runs once, on an empty data volume (official postgres image, /docker-entrypoint-initdb.d):
# the image creates POSTGRES_DB (the enrollment service's database); this adds Rasa's tracker
# database, ORIENTA_TRACKER_DB, owned by the same role.
set -eu
: "${ORIENTA_TRACKER_DB:?ORIENTA_TRACKER_DB no está definida}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$ORIENTA_TRACKER_DB" -v owner="$POSTGRES_USER" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
