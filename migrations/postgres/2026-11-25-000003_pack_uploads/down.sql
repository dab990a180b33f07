DROP TABLE pack_uploads;
