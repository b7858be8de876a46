CREATE TABLE `asset_history` (
	`id` text PRIMARY KEY NOT NULL,
	`asset_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`detail` text NOT NULL,
	`by` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `asset_history_asset_idx` ON `asset_history` (`asset_id`,`at`);--> statement-breakpoint
CREATE TABLE `assets` (
	`id` text PRIMARY KEY NOT NULL,
	`tag` text NOT NULL,
	`tag_key` text NOT NULL,
	`serial` text,
	`model` text NOT NULL,
	`category` text NOT NULL,
	`department` text,
	`condition` text DEFAULT 'GOOD' NOT NULL,
	`status` text DEFAULT 'IN_STOCK' NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assets_tag_uq` ON `assets` (`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_category_idx` ON `assets` (`category`);--> statement-breakpoint
CREATE INDEX `assets_department_idx` ON `assets` (`department`);