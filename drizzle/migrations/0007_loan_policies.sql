CREATE TABLE `loan_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`category` text DEFAULT '*' NOT NULL,
	`role` text DEFAULT '*' NOT NULL,
	`site_id` text DEFAULT '*' NOT NULL,
	`eligible` integer,
	`max_loan_hours` integer,
	`due_by` text,
	`max_items` integer,
	`renewals` integer,
	`renewal_hours` integer,
	`renew_window_hours` integer,
	`requires_agreement` integer,
	`block_when_overdue` integer,
	`note` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `loan_policies_scope_uq` ON `loan_policies` (`category`,`role`,`site_id`);