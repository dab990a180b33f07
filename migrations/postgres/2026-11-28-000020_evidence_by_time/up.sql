-- The evidence list, newest first: at a province or a city it reads the drive's completions
-- of a few days by time (before, the whole subtree's by place, then sorted), and each row
-- asks whether it was her first completion (before, no index: SQLite built one per query).
-- The id breaks ties in the list's order (newest first, then by id), so rows completed in the
-- same second are read in order, not all read and sorted.
CREATE INDEX enrollments_completed_at ON enrollments (completed_at, id);
CREATE INDEX first_completions_enrollment ON first_completions (enrollment_id);
