-- Custom replies go into the outbox (0650) like approved ones; the API's first table for them is
-- no longer used (nudge.features.replies queues into the outbox).
DROP TABLE IF EXISTS outgoing_replies;
