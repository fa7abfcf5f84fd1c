-- A batch's bonus (API.md "bonus"): cents paid on top of the reward to each annotation that agrees with its task's
-- final label. Payouts pays it; slicing keeps it with the batch's other terms, and counts the agreeing annotations
-- (LabelAccepted.AgreeingCount) so that spentCents includes the bonuses. 0 is no bonus (every batch before this).
ALTER TABLE batches
    ADD COLUMN bonus_cents               bigint  NOT NULL DEFAULT 0 CHECK (bonus_cents >= 0),
    ADD COLUMN agreeing_annotation_count integer NOT NULL DEFAULT 0;
