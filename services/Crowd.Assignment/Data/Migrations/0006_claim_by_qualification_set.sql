-- The claim used to walk the one claimable index in priority order and test each task's required qualifications against
-- the worker's: a worker who lacks what the most urgent work needs walked past all of it, on every claim (with 10^6 open
-- tasks, 800,000 of them needing what the worker lacks: two seconds and 61,000 pages per claim). Tasks are now grouped by
-- their set of required qualifications, which whole batches share and of which there are few: the claim picks the sets
-- the worker holds from the small table below and reads only those sets' tasks, from an index in priority order per set.

-- A set of qualifications in one spelling (sorted by code point, without duplicates), whatever order a batch named them in.
CREATE FUNCTION qualification_set(qualifications text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ARRAY(SELECT DISTINCT q COLLATE "C" FROM unnest(qualifications) AS u(q) ORDER BY 1) $$;

-- Every set of required qualifications ever released, added by the release that first asks for it and never removed: a
-- set with no open task left costs a claim that may take it one index probe.
CREATE TABLE qualification_sets (
    set_id         int    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    qualifications text[] NOT NULL UNIQUE  -- in qualification_set()'s spelling
);

INSERT INTO qualification_sets (qualifications)
SELECT DISTINCT qualification_set(required_qualifications) FROM pool_tasks;

-- No foreign key: every task of a released chunk would lock the one row of its set to check it.
ALTER TABLE pool_tasks ADD COLUMN qualification_set_id int;
UPDATE pool_tasks t SET qualification_set_id = s.set_id
FROM qualification_sets s WHERE s.qualifications = qualification_set(t.required_qualifications);
ALTER TABLE pool_tasks ALTER COLUMN qualification_set_id SET NOT NULL;

DROP INDEX pool_tasks_claimable;
CREATE INDEX pool_tasks_claimable_by_set ON pool_tasks (qualification_set_id, priority DESC, released_at, task_id)
    WHERE status = 'open' AND open_slots > 0;
