DROP TABLE skill_level_stats;
