DROP TABLE `attempt_throttles`;--> statement-breakpoint
ALTER TABLE `parcels` DROP COLUMN `failed_attempts`;--> statement-breakpoint
ALTER TABLE `parcels` DROP COLUMN `lockouts`;--> statement-breakpoint
ALTER TABLE `parcels` DROP COLUMN `locked_until`;