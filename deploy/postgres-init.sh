#!/bin/sh
# Runs once, on the first start of the PostgreSQL volume: the engine's own role and database.
# Temporal's databases (temporal, temporal_visibility) are created by temporal/setup-schema.sh.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
    -v pmi_password="$PMI_DB_PASSWORD" <<'SQL'
CREATE ROLE pmi LOGIN PASSWORD :'pmi_password';
CREATE DATABASE pmi OWNER pmi;
SQL
