CREATE TABLE `attempt_counters` (
	`key` text PRIMARY KEY NOT NULL,
	`level` real DEFAULT 0 NOT NULL,
	`lockouts` real DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`total` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `credential_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`secret` text NOT NULL,
	`outcome` text NOT NULL,
	`credential` text NOT NULL,
	`client` text,
	`bank_id` text,
	`parcel_id` text
);
--> statement-breakpoint
CREATE INDEX `credential_attempts_at_idx` ON `credential_attempts` (`at`);--> statement-breakpoint
CREATE INDEX `credential_attempts_bank_idx` ON `credential_attempts` (`bank_id`,`at`);--> statement-breakpoint
ALTER TABLE `people` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `notification_outbox` ADD `secret` text;--> statement-breakpoint
ALTER TABLE `kiosks` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `kiosks` ADD `last_used_at` integer;--> statement-breakpoint
CREATE INDEX `kiosks_bank_idx` ON `kiosks` (`bank_id`);--> statement-breakpoint
ALTER TABLE `parcels` ADD `code_exposure_base` integer DEFAULT 0 NOT NULL;