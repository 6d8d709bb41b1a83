-- `Store::reversal_of`: the entry reversing another is found by its `reverses` column, which
-- had no index (every look-up read the organisation's whole journal). Only reversals have it
-- set, so the index holds only them.
CREATE INDEX entries_by_reverses ON entries (org_id, reverses) WHERE reverses IS NOT NULL;
