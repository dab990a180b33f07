UPDATE org_stats SET women_trained = 0, learners_trained = 0
WHERE dimension IN ('tier_day', 'mode_day', 'course_day');
