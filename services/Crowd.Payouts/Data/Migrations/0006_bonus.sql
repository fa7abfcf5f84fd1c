-- A batch's bonus (BatchSubmitted.BonusCents, FeeCentsPerBonus): paid from its escrow, with the platform fee, to each
-- annotation that agrees with its task's final label, as a ledger transaction of kind 'bonus' keyed bonus:{annotation_id}.
-- 0 is no bonus: every batch funded before this, and every BatchSubmitted from a sender that predates the fields.
ALTER TABLE batch_escrows
    ADD COLUMN bonus_cents         bigint NOT NULL DEFAULT 0 CHECK (bonus_cents >= 0),
    ADD COLUMN fee_cents_per_bonus bigint NOT NULL DEFAULT 0 CHECK (fee_cents_per_bonus >= 0);
