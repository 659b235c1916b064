#!/bin/sh
# Temporal's own schemas in PostgreSQL, applied by temporal-sql-tool (admin-tools image) before the
# server starts: Temporal's current way, replacing the deprecated temporalio/auto-setup image. Runs
# on every `docker compose up` and is idempotent: the databases are created once, and update-schema
# brings them to the schema version of the server image (an upgrade of the image migrates them).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMAS=/etc/temporal/schema/postgresql/v12
until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do
    echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT"
    sleep 2
done
sql() {
    db="$1"
    shift
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" --db "$db" "$@"
}
for pair in temporal:temporal temporal_visibility:visibility; do
    name="${pair%%:*}"
    kind="${pair##*:}"
    # `create` refuses an existing database, `setup-schema -v 0.0` an initialised one: both only once.
    if sql "$name" create 2>/dev/null; then
        sql "$name" setup-schema -v 0.0
    else
        echo "$name exists"
    fi
    sql "$name" update-schema -d "$SCHEMAS/$kind/versioned"
done
echo "Temporal schemas are up to date"
