-- Her attempts at one course, found by (user, course): the quiz's reveal rule counts them on
-- every submit, her learning page and her data download list them. Without this index each
-- of those read every attempt in the table (issue 14: submits slowed as attempts piled up).
CREATE INDEX quiz_attempts_user_course ON quiz_attempts (user_id, course_id);
