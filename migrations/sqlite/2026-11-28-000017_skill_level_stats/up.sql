-- Women per skill at their highest standing level, per union subtree (#14): the dashboard's
-- skills figures read these rows instead of every skill record under the union. Kept by the
-- service that writes skill records; `qihang skills verify` recomputes and compares them.
CREATE TABLE skill_level_stats (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    skill_id BIGINT NOT NULL REFERENCES skills (id),
    level INTEGER NOT NULL,
    women BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, skill_id, level)
);

-- From the records already held: each woman once per skill at her highest level not
-- withdrawn, counted per her own union, then rolled up to every union above it.
INSERT INTO skill_level_stats (org_id, skill_id, level, women)
SELECT a.id, c.skill_id, c.level, SUM(c.women)
FROM (
    SELECT u.org_id, h.skill_id, h.level, COUNT(*) AS women
    FROM (
        SELECT r.user_id, r.skill_id, MAX(r.level) AS level
        FROM skill_records r
        WHERE r.withdrawn_at IS NULL
        GROUP BY r.user_id, r.skill_id
    ) h
    JOIN users u ON u.id = h.user_id
    WHERE u.gender = 'female'
    GROUP BY u.org_id, h.skill_id, h.level
) c
JOIN orgs o ON o.id = c.org_id
JOIN orgs a ON substr(o.path, 1, length(a.path)) = a.path
GROUP BY a.id, c.skill_id, c.level;
