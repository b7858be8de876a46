CREATE TABLE `agreement_acceptances` (
	`person_id` text NOT NULL,
	`category` text NOT NULL,
	`signature` text NOT NULL,
	`accepted_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agreement_acceptances_uq` ON `agreement_acceptances` (`person_id`,`category`);--> statement-breakpoint
CREATE TABLE `asset_faults` (
	`id` text PRIMARY KEY NOT NULL,
	`category` text NOT NULL,
	`label` text NOT NULL,
	`critical` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `asset_faults_uq` ON `asset_faults` (`category`,`label`);--> statement-breakpoint
CREATE TABLE `asset_handouts` (
	`id` text PRIMARY KEY NOT NULL,
	`loan_id` text,
	`asset_id` text NOT NULL,
	`person_id` text,
	`booking_id` text,
	`campaign_item_id` text,
	`direction` text NOT NULL,
	`status` text NOT NULL,
	`bank_id` text,
	`compartment_id` text,
	`fault_id` text,
	`fault_note` text,
	`swap_with` text,
	`operation` text,
	`operation_via` text,
	`operation_at` integer,
	`door_opened_at` integer,
	`code_version` integer DEFAULT 0 NOT NULL,
	`code_lookup` text,
	`qr_token_id` text,
	`code_exposure_base` integer DEFAULT 0 NOT NULL,
	`available_at` integer,
	`notice_sent_at` integer,
	`expires_at` integer,
	`method` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`ready_at` integer,
	`completed_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`loan_id`) REFERENCES `loans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`compartment_id`) REFERENCES `compartments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `asset_handouts_code_lookup_uq` ON `asset_handouts` (`code_lookup`);--> statement-breakpoint
CREATE INDEX `asset_handouts_compartment_idx` ON `asset_handouts` (`compartment_id`,`status`);--> statement-breakpoint
CREATE INDEX `asset_handouts_loan_idx` ON `asset_handouts` (`loan_id`);--> statement-breakpoint
CREATE INDEX `asset_handouts_status_idx` ON `asset_handouts` (`status`,`direction`);--> statement-breakpoint
CREATE TABLE `blackout_days` (
	`site_id` text NOT NULL,
	`day` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blackout_days_uq` ON `blackout_days` (`site_id`,`day`);--> statement-breakpoint
CREATE TABLE `bookings` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`bank_id` text NOT NULL,
	`model` text NOT NULL,
	`category` text NOT NULL,
	`count` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`lapses_at` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bookings_due_idx` ON `bookings` (`status`,`starts_at`);--> statement-breakpoint
CREATE INDEX `bookings_person_idx` ON `bookings` (`person_id`);--> statement-breakpoint
CREATE TABLE `campaign_items` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` text NOT NULL,
	`line` integer NOT NULL,
	`person_id` text NOT NULL,
	`asset_id` text NOT NULL,
	`bank_id` text NOT NULL,
	`slot_starts_at` integer NOT NULL,
	`loan_id` text,
	`status` text NOT NULL,
	`error` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_id`) REFERENCES `locker_banks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaign_items_campaign_idx` ON `campaign_items` (`campaign_id`,`status`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`kind` text NOT NULL,
	`due_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `department_contacts` (
	`department` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`operation` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_at_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `loans` (
	`id` text PRIMARY KEY NOT NULL,
	`asset_id` text NOT NULL,
	`person_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`category` text NOT NULL,
	`site_id` text,
	`due_at` integer,
	`renewals_used` integer DEFAULT 0 NOT NULL,
	`signature` text,
	`signed_at` integer,
	`override_reason` text,
	`override_by` text,
	`replaces_loan_id` text,
	`source` text DEFAULT 'DESK' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`escalated_at` integer,
	`lost_mode_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`override_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `loans_person_idx` ON `loans` (`person_id`,`status`);--> statement-breakpoint
CREATE INDEX `loans_asset_idx` ON `loans` (`asset_id`,`status`);--> statement-breakpoint
CREATE INDEX `loans_due_idx` ON `loans` (`status`,`due_at`);--> statement-breakpoint
CREATE TABLE `outbound_calls` (
	`id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`payload` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`claimed_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbound_calls_dedupe_uq` ON `outbound_calls` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbound_calls_due_idx` ON `outbound_calls` (`status`,`not_before`);--> statement-breakpoint
CREATE TABLE `site_hours` (
	`site_id` text NOT NULL,
	`weekday` integer NOT NULL,
	`opens` text NOT NULL,
	`closes` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `site_hours_uq` ON `site_hours` (`site_id`,`weekday`);--> statement-breakpoint
CREATE TABLE `waitlist_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`category` text NOT NULL,
	`site_id` text NOT NULL,
	`status` text NOT NULL,
	`handout_id` text,
	`offered_at` integer,
	`offer_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `waitlist_queue_idx` ON `waitlist_entries` (`category`,`site_id`,`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `loan_policies` ADD `reminders` text;--> statement-breakpoint
ALTER TABLE `loan_policies` ADD `escalate_after_hours` integer;--> statement-breakpoint
ALTER TABLE `loan_policies` ADD `offer_hold_minutes` integer;--> statement-breakpoint
ALTER TABLE `loan_policies` ADD `no_show_minutes` integer;