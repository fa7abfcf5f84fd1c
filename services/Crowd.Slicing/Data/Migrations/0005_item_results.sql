-- Item results (GET /v1/batches/{batchId}/items) walk a batch's items in external id order (the UNIQUE (batch_id,
-- external_id) index) and load each page's tasks by item.
CREATE INDEX tasks_by_item ON tasks (item_id, position);
