#!/usr/bin/env bash
# A CT study from post to findings, through the gateway, as the README shows it: one chest CT series of 20 slices cut
# into windows of 8 every 6, one radiographer drawing a nodule that crosses the first window border and a mass in the
# last window, then the study's findings and its COCO export. Needs `./crowd up`; prints each call and its answer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
GW=http://127.0.0.1:5100
token() { ./crowd token --role "$1" --sub "$2" | tail -n 1; }
ADMIN=$(token admin ops)
REQUESTER=$(token requester hospital-7)
WORKER=$(token worker rad-42)
call() { local who=$1; shift; curl -sS -H "Authorization: Bearer $who" -H 'Content-Type: application/json' "$@"; }

call "$ADMIN" -X POST "$GW/v1/requesters/hospital-7/deposits" -d '{ "amountCents": 100000, "reference": "wire-1" }' >/dev/null
call "$WORKER" -X PUT "$GW/v1/workers/rad-42" -d '{ "displayName": "R. Adiographer", "timeZone": "UTC" }' >/dev/null
call "$ADMIN" -X PUT "$GW/v1/workers/rad-42/qualifications" -d '{ "qualifications": ["CT"] }' >/dev/null

batch=$(call "$REQUESTER" -X POST "$GW/v1/batches" -d '{
  "name": "Chest CT nodules", "modality": "CT",
  "labelSchema": { "kind": "bbox", "classes": ["nodule", "mass"] },
  "slicing": { "mode": "slice-window", "window": 8, "stride": 6 },
  "redundancy": { "min": 1, "max": 1 }, "acceptance": { "threshold": 0.9 },
  "pricePerAnnotationCents": 40, "requiredQualifications": ["CT"],
  "items": [ { "externalId": "ct-1", "contentUri": "dicomweb://pacs.example/studies/1.2.3/series/4.5.6",
               "sliceCount": 20, "width": 512, "height": 512 } ] }')
id=$(sed -E 's/.*"batchId":"([^"]+)".*/\1/' <<<"$batch")
until call "$REQUESTER" "$GW/v1/batches/$id" | grep -q '"status":"open"'; do sleep 0.5; done

# The radiographer answers each window: boxes carry the absolute slice, inside the window.
for _ in 1 2 3; do
    claim=$(call "$WORKER" -X POST "$GW/v1/workers/rad-42/claims")
    while [[ -z $claim ]]; do sleep 0.5; claim=$(call "$WORKER" -X POST "$GW/v1/workers/rad-42/claims"); done
    claimId=$(sed -E 's/.*"claimId":"([^"]+)".*/\1/' <<<"$claim")
    from=$(sed -E 's/.*"slice":\{"from":([0-9]+).*/\1/' <<<"$claim")
    case $from in
        0) boxes='[ {"label":"nodule","x":10,"y":10,"w":20,"h":20,"slice":5}, {"label":"nodule","x":10,"y":10,"w":20,"h":20,"slice":6}, {"label":"nodule","x":10,"y":10,"w":20,"h":20,"slice":7} ]' ;;
        6) boxes='[ {"label":"nodule","x":12,"y":10,"w":20,"h":20,"slice":6}, {"label":"nodule","x":12,"y":10,"w":20,"h":20,"slice":7}, {"label":"nodule","x":12,"y":10,"w":20,"h":20,"slice":8} ]' ;;
        *) boxes='[ {"label":"mass","x":100,"y":100,"w":30,"h":30,"slice":15}, {"label":"mass","x":100,"y":100,"w":30,"h":30,"slice":16} ]' ;;
    esac
    call "$WORKER" -X POST "$GW/v1/claims/$claimId/submission" -d "{ \"annotation\": { \"boxes\": $boxes } }" >/dev/null
done
until call "$REQUESTER" "$GW/v1/batches/$id" | grep -q '"status":"completed"'; do sleep 0.5; done

echo "\$ curl -H \"Authorization: Bearer \$REQUESTER\" $GW/v1/batches/$id/items"
call "$REQUESTER" "$GW/v1/batches/$id/items"
echo
echo "\$ curl -H \"Authorization: Bearer \$REQUESTER\" \"$GW/v1/batches/$id/items?format=coco\""
call "$REQUESTER" "$GW/v1/batches/$id/items?format=coco"
echo
