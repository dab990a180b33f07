DROP TABLE consents;
DROP TABLE skill_records;
