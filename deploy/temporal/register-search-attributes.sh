#!/bin/sh
# Registers the journey search attributes (workflows/search_attributes.py) once the server answers.
# Idempotent: an attribute that already exists is left as it is.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
    echo "waiting for Temporal at $TEMPORAL_ADDRESS"
    sleep 2
done
for name in PmiStatus PmiPhase PmiScheme PmiProvince PmiDestination PmiP3mi; do
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" \
        --namespace "${TEMPORAL_NAMESPACE:-default}" --name "$name" --type Keyword \
        || echo "$name already registered"
done
