ALTER TABLE skill_records DROP COLUMN result_id;
DROP TABLE competition_results;
DROP TABLE theory_attempts;
DROP TABLE competition_registrations;
DROP TABLE competitions;
DROP TABLE studio_achievements;
DROP TABLE studio_members;
DROP TABLE studios;
