-- The evidence list pages a filtered list by day (#14): for the province and the unions
-- directly under it (depth 0 and 1), completions per day of each tier, mode and course
-- (dimensions tier_day, mode_day, course_day; bucket '{tier|mode|course}|YYYY-MM-DD', China
-- time). Kept by the completing transaction from now on; filled here from the completions
-- already held, as `qihang stats rebuild` would count them (women trained: not counted, 0).
-- Kept in step with ../postgres.
INSERT INTO org_stats (org_id, dimension, bucket, women_trained, learners_trained,
                       women_completions, completions, women_hours, hours)
WITH done AS (
    SELECT e.completed_org_path AS path, CAST(c.tier AS TEXT) AS tier, c.mode AS mode,
           c.code AS code, date(e.completed_at, '+8 hours') AS day,
           CASE WHEN u.gender = 'female' THEN 1 ELSE 0 END AS woman, c.hours AS hours
    FROM enrollments e
    JOIN users u ON u.id = e.user_id
    JOIN courses c ON c.id = e.course_id
    -- Since the drive began: 2024-08-05 00:00 China time.
    WHERE e.completed_at >= '2024-08-04 16:00:00' AND e.completed_org_path IS NOT NULL
), counted AS (
    SELECT path, 'tier_day' AS dimension, tier || '|' || day AS bucket, woman, hours FROM done
    UNION ALL
    SELECT path, 'mode_day', mode || '|' || day, woman, hours FROM done
    UNION ALL
    SELECT path, 'course_day', code || '|' || day, woman, hours FROM done
)
SELECT a.id, d.dimension, d.bucket, 0, 0,
       SUM(d.woman), COUNT(*), SUM(d.woman * d.hours), SUM(d.hours)
FROM counted d
JOIN orgs a ON a.depth <= 1 AND substr(d.path, 1, length(a.path)) = a.path
GROUP BY a.id, d.dimension, d.bucket;
