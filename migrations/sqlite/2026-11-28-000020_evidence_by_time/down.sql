DROP INDEX first_completions_enrollment;
DROP INDEX enrollments_completed_at;
