DELETE FROM org_stats WHERE dimension IN ('tier_day', 'mode_day', 'course_day');
