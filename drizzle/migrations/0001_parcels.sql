CREATE TABLE `notification_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`dedupe_key` text NOT NULL,
	`person_id` text NOT NULL,
	`channel` text NOT NULL,
	`push_device_id` text,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`url` text,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`claimed_until` integer,
	`sent_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_outbox_dedupe_uq` ON `notification_outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `notification_outbox_due_idx` ON `notification_outbox` (`status`,`not_before`);--> statement-breakpoint
CREATE TABLE `notification_settings` (
	`person_id` text PRIMARY KEY NOT NULL,
	`email_enabled` integer DEFAULT true NOT NULL,
	`push_enabled` integer DEFAULT true NOT NULL,
	`quiet_hours_start` text,
	`quiet_hours_end` text
);
--> statement-breakpoint
CREATE TABLE `push_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`label` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_devices_endpoint_uq` ON `push_devices` (`endpoint`);--> statement-breakpoint
CREATE INDEX `push_devices_person_idx` ON `push_devices` (`person_id`);--> statement-breakpoint
CREATE TABLE `attempt_throttles` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`lockouts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `courier_banks` (
	`person_id` text NOT NULL,
	`bank_id` text NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courier_banks_uq` ON `courier_banks` (`person_id`,`bank_id`);--> statement-breakpoint
CREATE TABLE `kiosks` (
	`id` text PRIMARY KEY NOT NULL,
	`bank_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kiosks_token_uq` ON `kiosks` (`token_hash`);--> statement-breakpoint
CREATE TABLE `parcels` (
	`id` text PRIMARY KEY NOT NULL,
	`tracking` text NOT NULL,
	`tracking_key` text NOT NULL,
	`carrier` text,
	`recipient_id` text NOT NULL,
	`proxy_id` text,
	`size` text NOT NULL,
	`status` text NOT NULL,
	`desk_reason` text,
	`bank_id` text,
	`compartment_id` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`deposited_at` integer,
	`expires_at` integer,
	`extended` integer DEFAULT false NOT NULL,
	`picked_up_at` integer,
	`pickup_method` text,
	`operation` text,
	`operation_via` text,
	`operation_at` integer,
	`door_opened_at` integer,
	`code_version` integer DEFAULT 0 NOT NULL,
	`code_lookup` text,
	`qr_token_id` text,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`lockouts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`reminder_sent_at` integer,
	`expiry_warning_sent_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`recipient_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`proxy_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`compartment_id`) REFERENCES `compartments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `parcels_recipient_idx` ON `parcels` (`recipient_id`);--> statement-breakpoint
CREATE INDEX `parcels_status_idx` ON `parcels` (`status`);--> statement-breakpoint
CREATE INDEX `parcels_tracking_idx` ON `parcels` (`tracking_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `parcels_code_lookup_uq` ON `parcels` (`code_lookup`);--> statement-breakpoint
CREATE INDEX `parcels_compartment_idx` ON `parcels` (`compartment_id`);--> statement-breakpoint
CREATE TABLE `pickup_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`parcel_id` text NOT NULL,
	`bank_id` text NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`parcel_id`) REFERENCES `parcels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `reported_openings` (
	`id` text PRIMARY KEY NOT NULL,
	`bank_id` text NOT NULL,
	`label` text NOT NULL,
	`via` text NOT NULL,
	`parcel_id` text,
	`at` integer NOT NULL,
	`detail` text,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `staff_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`bank_id` text,
	`compartment_label` text,
	`parcel_id` text,
	`message` text NOT NULL,
	`created_at` integer NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`resolved_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `staff_alerts_open_idx` ON `staff_alerts` (`resolved_at`,`created_at`);--> statement-breakpoint
ALTER TABLE `people` ADD `preferred_bank_id` text;--> statement-breakpoint
ALTER TABLE `people` ADD `needs_accessible` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `compartments` ADD `out_of_service_reason` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `pickup_hold_hours` integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE `locker_commands` ADD `parcel_id` text;--> statement-breakpoint
ALTER TABLE `locker_commands` ADD `token_id` text;