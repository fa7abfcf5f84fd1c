-- API.md privacy.maxItemSharePerWorker, in (0, 1]: released with the batch's tasks for assignment's re-identification
-- guard. Batches from before it had no limit beyond never twice the same task: 1.
ALTER TABLE batches ADD COLUMN max_item_share_per_worker double precision NOT NULL DEFAULT 1;

-- How many tasks were cut from the item (the guard's denominator), written with the item; counted for earlier items.
ALTER TABLE items ADD COLUMN task_count int;
UPDATE items i SET task_count = c.n
FROM (SELECT item_id, count(*)::int AS n FROM tasks GROUP BY item_id) c
WHERE c.item_id = i.item_id;
