-- English names (issue 11.9): a course's summary in English, from the pack's optional
-- `summary_en`, shown when the page is in English (the title already has `title_en`).
-- Kept in step with the other backend's folder.

ALTER TABLE courses ADD COLUMN summary_en TEXT;
