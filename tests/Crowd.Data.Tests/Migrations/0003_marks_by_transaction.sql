-- Which relay transaction (window) marked each row.
ALTER TABLE outbox_marks ADD COLUMN marked_by bigint NOT NULL DEFAULT txid_current();
