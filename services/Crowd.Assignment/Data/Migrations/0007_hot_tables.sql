-- pool_tasks and claims are the hot tables: every claim updates one pool row and inserts a claim, and every submission,
-- release, extension and expiry updates a claim (and a release or expiry a pool row).

-- A claim's update of open_slots took a new entry in every index of pool_tasks (key, batch, claimable), because open_slots
-- was in the claimable index's predicate and PostgreSQL updates a row in place (heap-only, HOT) only when no column an
-- index keys on or tests changes. The predicate now tests a stored flag that changes only when a task opens or closes, so
-- a claim that leaves slots open (3 -> 2 -> 1) and a release, expiry or extra slot of a task that is still open are HOT
-- updates: no index entry, and the dead version's space reclaimed on the page itself without waiting for vacuum. The claim scans the head of
-- each set's index, where claimers keep updating the same rows: only a task's closing now leaves a dead entry there.
-- fillfactor 70 leaves 30 % of each page for those new versions: HOT needs room on the row's own page, and at the head of a
-- set a page's tasks are claimed two or three times each within moments (./crowd bench claims-scale: 38 to 43 % of the
-- pool's updates in place at 80, 43 to 61 % at 70, of at most two thirds, since the claim that takes the last slot closes
-- the task and cannot be HOT). Set before the column, whose ADD rewrites the table, so that existing rows get the
-- room too.
ALTER TABLE pool_tasks SET (fillfactor = 70);
ALTER TABLE pool_tasks ADD COLUMN claimable boolean GENERATED ALWAYS AS (status = 'open' AND open_slots > 0) STORED;
DROP INDEX pool_tasks_claimable_by_set;
CREATE INDEX pool_tasks_claimable_by_set ON pool_tasks (qualification_set_id, priority DESC, released_at, task_id) WHERE claimable;

-- Autovacuum's defaults wait for 20 % of a table to be dead (200,000 rows of a 10^6-task pool) and analyze after 10 %
-- changed. On pool_tasks vacuum removes the index entries of closed tasks that claims still step over at each set's head,
-- and analyze follows large releases (a batch of 10^6 tasks is one release): 2 % of the rows plus 1,000.
ALTER TABLE pool_tasks SET (
    autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);

-- claims grows by one row per claim and each row is updated once or twice later (extended, then submitted, released or
-- expired); those updates change indexed columns (status, lease_expires_at), so they are never HOT, but with room on the
-- page the new version lands beside the old one, whose space the page's next reader reclaims. Vacuum after 5 % inserted
-- too (the default waits for 20 %): it sets the visibility map, which lets the claim's never-twice probe of
-- (worker_id, task_id) answer from the index alone, without reading the table.
ALTER TABLE claims SET (
    fillfactor = 90,
    autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.05);
