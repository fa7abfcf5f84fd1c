-- A worker's open claims are its active claims whose lease has not run out (ClaimStore.OpenClaimsOf): with the lease in
-- the worker's index, counting them reads that index only, not each claim's row.
CREATE INDEX claims_open_by_worker_lease ON claims (worker_id, lease_expires_at) WHERE status = 'active';
DROP INDEX claims_open_by_worker;
CREATE INDEX exam_claims_open_by_worker_lease ON exam_claims (worker_id, lease_expires_at) WHERE status = 'active';
DROP INDEX exam_claims_open_by_worker;
