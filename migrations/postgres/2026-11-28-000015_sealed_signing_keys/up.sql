ALTER TABLE signing_keys ADD COLUMN sealed_with TEXT;
