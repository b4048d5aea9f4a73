-- Device passwords are kept sealed with the master key (AES-256-GCM, as api_keys.secret_key_enc): the
-- column says so. Rows written in clear text before are sealed by the next step, 0006_seal_device_passwords,
-- which is code (src/db/seal-device-passwords.ts) because the master key never enters the database.
ALTER TABLE devices RENAME COLUMN password TO password_enc;
