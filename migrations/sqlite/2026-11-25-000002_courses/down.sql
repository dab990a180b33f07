DROP TABLE lesson_progress;
DROP TABLE course_media;
DROP TABLE questions;
DROP TABLE lessons;
DROP TABLE courses;
DROP TABLE skills;
