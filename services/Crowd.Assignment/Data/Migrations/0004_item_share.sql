-- The re-identification guard (privacy.maxItemSharePerWorker): a task's item, and how many of that item's tasks one worker
-- may ever be given, ceil(share × the item's task count), computed once at release; null when the guard does not apply.
ALTER TABLE pool_tasks
    ADD COLUMN item_id          uuid,
    ADD COLUMN item_share_limit int CHECK (item_share_limit > 0);

-- A claim carries its task's item (a copy of pool_tasks.item_id, which never changes once released), so that the claim
-- statement counts a worker's claims on an item with one index range scan of at most the limit's rows, instead of joining
-- all of the worker's claims ever to the pool, or all of an item's (up to 100,000) tasks to the claims. Every claim counts,
-- released and expired too: the worker saw the content.
ALTER TABLE claims ADD COLUMN item_id uuid;
CREATE INDEX claims_by_worker_item ON claims (worker_id, item_id) WHERE item_id IS NOT NULL;
