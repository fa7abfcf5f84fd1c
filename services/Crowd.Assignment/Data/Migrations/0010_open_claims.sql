-- Every claim counts a worker's open claims (maxOpenClaims): read them by worker, among the open ones only, rather than
-- every claim the worker ever made.
CREATE INDEX claims_open_by_worker ON claims (worker_id) WHERE status = 'active';
CREATE INDEX exam_claims_open_by_worker ON exam_claims (worker_id) WHERE status = 'active';
