-- "First only" with a tier, mode or course is paged by the tier, mode and course day
-- counters (#14): their women_trained and learners_trained now count the learners whose
-- first completion in the drive was that day's completion of that tier, mode or course
-- (before, 0). Kept by the completing transaction from now on; filled here from the first
-- completions already held, as `qihang stats rebuild` would count them (her gender and the
-- union of the completion as the enrolment and the user hold them). Every first completion
-- is a completion, so every row to fill exists. Kept in step with ../postgres.
WITH firsts AS (
    SELECT e.completed_org_path AS path, CAST(c.tier AS TEXT) AS tier, c.mode AS mode,
           c.code AS code, date(e.completed_at, '+8 hours') AS day,
           CASE WHEN u.gender = 'female' THEN 1 ELSE 0 END AS woman
    FROM first_completions f
    JOIN enrollments e ON e.id = f.enrollment_id
    JOIN users u ON u.id = e.user_id
    JOIN courses c ON c.id = e.course_id
    -- Since the drive began: 2024-08-05 00:00 China time.
    WHERE e.completed_at >= '2024-08-04 16:00:00' AND e.completed_org_path IS NOT NULL
), counted AS (
    SELECT path, 'tier_day' AS dimension, tier || '|' || day AS bucket, woman FROM firsts
    UNION ALL
    SELECT path, 'mode_day', mode || '|' || day, woman FROM firsts
    UNION ALL
    SELECT path, 'course_day', code || '|' || day, woman FROM firsts
), summed AS (
    SELECT a.id AS org_id, d.dimension AS dimension, d.bucket AS bucket,
           SUM(d.woman) AS women, COUNT(*) AS learners
    FROM counted d
    JOIN orgs a ON a.depth <= 1 AND substr(d.path, 1, length(a.path)) = a.path
    GROUP BY a.id, d.dimension, d.bucket
)
UPDATE org_stats
SET women_trained = summed.women, learners_trained = summed.learners
FROM summed
WHERE org_stats.org_id = summed.org_id
  AND org_stats.dimension = summed.dimension
  AND org_stats.bucket = summed.bucket;
