CREATE TABLE `bank_controllers` (
	`bank_id` text PRIMARY KEY NOT NULL,
	`protocol_version` integer DEFAULT 1 NOT NULL,
	`model` text,
	`serial` text,
	`firmware` text,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`connected_at` integer,
	`disconnected_at` integer,
	`clock_offset_ms` integer,
	`clock_measured_at` integer,
	`health` text,
	`health_at` integer,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `locker_events` ADD `reported_kind` text;--> statement-breakpoint
ALTER TABLE `locker_events` ADD `reported_at` text;--> statement-breakpoint
ALTER TABLE `locker_events` ADD `rejection` text;--> statement-breakpoint
ALTER TABLE `locker_events` ADD `flags` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `locker_events` ADD `code` text;