ALTER TABLE courses DROP COLUMN summary_en;
