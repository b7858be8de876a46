CREATE TABLE `people` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`department` text,
	`student_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `people_email_uq` ON `people` (`email`);--> statement-breakpoint
CREATE TABLE `person_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `person_tokens_hash_uq` ON `person_tokens` (`hash`);--> statement-breakpoint
CREATE INDEX `person_tokens_person_idx` ON `person_tokens` (`person_id`);--> statement-breakpoint
CREATE TABLE `sign_in_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `sign_in_codes_email_idx` ON `sign_in_codes` (`email`);--> statement-breakpoint
CREATE TABLE `compartments` (
	`id` text PRIMARY KEY NOT NULL,
	`bank_id` text NOT NULL,
	`label` text NOT NULL,
	`size` text NOT NULL,
	`has_charging` integer DEFAULT false NOT NULL,
	`accessible` integer DEFAULT false NOT NULL,
	`door` text DEFAULT 'CLOSED' NOT NULL,
	`occupancy` text DEFAULT 'UNKNOWN' NOT NULL,
	`charging` text DEFAULT 'IDLE' NOT NULL,
	`state` text DEFAULT 'AVAILABLE' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compartments_bank_label_uq` ON `compartments` (`bank_id`,`label`);--> statement-breakpoint
CREATE TABLE `locker_banks` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`name` text NOT NULL,
	`location` text DEFAULT '' NOT NULL,
	`department` text,
	`status` text DEFAULT 'OFFLINE' NOT NULL,
	`last_seen_at` integer,
	`device_token_hash` text NOT NULL,
	`device_generation` integer DEFAULT 1 NOT NULL,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `locker_banks_token_uq` ON `locker_banks` (`device_token_hash`);--> statement-breakpoint
CREATE INDEX `locker_banks_site_idx` ON `locker_banks` (`site_id`);--> statement-breakpoint
CREATE TABLE `locker_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bank_id` text NOT NULL,
	`compartment_id` text,
	`label` text,
	`kind` text NOT NULL,
	`device_generation` integer,
	`seq` integer,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`detail` text,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`compartment_id`) REFERENCES `compartments`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `locker_events_bank_seq_uq` ON `locker_events` (`bank_id`,`device_generation`,`seq`);--> statement-breakpoint
CREATE INDEX `locker_events_bank_id_idx` ON `locker_events` (`bank_id`,`id`);--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `locker_commands` (
	`id` text PRIMARY KEY NOT NULL,
	`bank_id` text NOT NULL,
	`compartment_id` text NOT NULL,
	`label` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`requested_by` text,
	`via` text NOT NULL,
	`reason` text,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`delivered_at` integer,
	`acknowledged_at` integer,
	`outcome` text,
	`outcome_detail` text,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`compartment_id`) REFERENCES `compartments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `locker_commands_bank_status_idx` ON `locker_commands` (`bank_id`,`status`);--> statement-breakpoint
CREATE TABLE `dev_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dev_outbox_to_idx` ON `dev_outbox` (`to`);--> statement-breakpoint
CREATE TABLE `server_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
