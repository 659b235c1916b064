#!/bin/sh
# The engine's namespace, its retention, and the journey search attributes
# (workflows/search_attributes.py), once the server answers. Idempotent: run on every start.
#
# Retention: how long Temporal keeps a closed run's history. The audit sweep (a Temporal Schedule,
# every PMI_AUDIT_SWEEP_MINUTES, 15 by default) copies every closed run into the engine's archive
# (docs/audit.md); a run deleted before it was copied would be lost to the audit record. 30 days
# leave the sweep a month of outage to catch up; never set it below a few days.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:?}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-30d}"
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
    echo "waiting for Temporal at $ADDRESS"
    sleep 2
done
if temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
    temporal operator namespace update --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
else
    temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
fi
for name in PmiStatus PmiPhase PmiScheme PmiProvince PmiDestination PmiP3mi; do
    temporal operator search-attribute create --address "$ADDRESS" \
        --namespace "$NAMESPACE" --name "$name" --type Keyword \
        || echo "$name already registered"
done
