-- Every claim counts the worker's open claims (ClaimStore.OpenClaimsOf: active, lease not run out), which the worker's
-- index of active claims (claims_open_by_worker_lease) answers from a few entries. But another index covered active
-- claims too, by lease alone, for the sweeper; and when the statistics had last seen few active claims (analyzed at the
-- end of a run, with every claim submitted) the planner costed that smaller index as nearly empty and counted a
-- worker's claims by reading it whole, filtering on the worker: every open claim of every worker, for every claim. Claims
-- alone right after a claim + submit run fell from about 2,000 a second to 600 as the open claims grew, the claim statement
-- reading 9,800 buffers instead of 360 (docs/benchmarks.md, "Claims alone right after another load run"). Without the
-- lease-only indexes the worker's index is the only one of active claims; the sweeper, every few seconds, reads that index
-- whole instead (the active claims only: a worker id and a lease, some 150 entries a page).
DROP INDEX claims_active_by_lease;
DROP INDEX exam_claims_active_by_lease;
