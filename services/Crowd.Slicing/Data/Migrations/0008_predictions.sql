-- A model's pre-annotation of an item (API.md item prediction: { model, label, score }), sent on to consensus with each
-- of its tasks; and whether the model agreed with each task's final label (results' modelAgrees; null without a model).
ALTER TABLE items ADD COLUMN prediction jsonb;
ALTER TABLE results ADD COLUMN model_agrees boolean;
