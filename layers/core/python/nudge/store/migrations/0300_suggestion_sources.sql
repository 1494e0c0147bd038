-- Where each reply suggestion came from, and what the user changed before approving it
-- (nudge.features.suggest). source: 'yours' = one of the user's own past replies (maybe with a
-- name or time swapped), 'llm' = drafted by the chat model, 'template' = a fixed reply.
-- suggested_text keeps the text as suggested when the user edited it; text is what they approved.
ALTER TABLE suggestions
    ADD COLUMN source text CHECK (source IN ('yours', 'llm', 'template')),
    ADD COLUMN suggested_text text;
