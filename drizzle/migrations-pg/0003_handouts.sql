CREATE TABLE "agreement_acceptances" (
	"person_id" text NOT NULL,
	"category" text NOT NULL,
	"signature" text NOT NULL,
	"accepted_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "asset_faults" (
	"id" text PRIMARY KEY NOT NULL,
	"category" text NOT NULL,
	"label" text NOT NULL,
	"critical" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "asset_handouts" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text,
	"asset_id" text NOT NULL,
	"person_id" text,
	"booking_id" text,
	"campaign_item_id" text,
	"direction" text NOT NULL,
	"status" text NOT NULL,
	"bank_id" text,
	"compartment_id" text,
	"fault_id" text,
	"fault_note" text,
	"swap_with" text,
	"operation" text,
	"operation_via" text,
	"operation_at" timestamp (3) with time zone,
	"door_opened_at" timestamp (3) with time zone,
	"code_version" integer DEFAULT 0 NOT NULL,
	"code_lookup" text,
	"qr_token_id" text,
	"code_exposure_base" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp (3) with time zone,
	"notice_sent_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"method" text,
	"created_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"ready_at" timestamp (3) with time zone,
	"completed_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blackout_days" (
	"site_id" text NOT NULL,
	"day" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bookings" (
	"id" text PRIMARY KEY NOT NULL,
	"person_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"model" text NOT NULL,
	"category" text NOT NULL,
	"count" integer NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"lapses_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_items" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"line" integer NOT NULL,
	"person_id" text NOT NULL,
	"asset_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"slot_starts_at" timestamp (3) with time zone NOT NULL,
	"loan_id" text,
	"status" text NOT NULL,
	"error" text,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp (3) with time zone,
	"created_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "department_contacts" (
	"department" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"person_id" text NOT NULL,
	"operation" text NOT NULL,
	"result" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loans" (
	"id" text PRIMARY KEY NOT NULL,
	"asset_id" text NOT NULL,
	"person_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"category" text NOT NULL,
	"site_id" text,
	"due_at" timestamp (3) with time zone,
	"renewals_used" integer DEFAULT 0 NOT NULL,
	"signature" text,
	"signed_at" timestamp (3) with time zone,
	"override_reason" text,
	"override_by" text,
	"replaces_loan_id" text,
	"source" text DEFAULT 'DESK' NOT NULL,
	"created_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"escalated_at" timestamp (3) with time zone,
	"lost_mode_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_calls" (
	"id" text PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"payload" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp (3) with time zone NOT NULL,
	"claimed_until" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "site_hours" (
	"site_id" text NOT NULL,
	"weekday" integer NOT NULL,
	"opens" text NOT NULL,
	"closes" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "waitlist_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"person_id" text NOT NULL,
	"category" text NOT NULL,
	"site_id" text NOT NULL,
	"status" text NOT NULL,
	"handout_id" text,
	"offered_at" timestamp (3) with time zone,
	"offer_expires_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "loan_policies" ADD COLUMN "reminders" text;--> statement-breakpoint
ALTER TABLE "loan_policies" ADD COLUMN "escalate_after_hours" integer;--> statement-breakpoint
ALTER TABLE "loan_policies" ADD COLUMN "offer_hold_minutes" integer;--> statement-breakpoint
ALTER TABLE "loan_policies" ADD COLUMN "no_show_minutes" integer;--> statement-breakpoint
ALTER TABLE "agreement_acceptances" ADD CONSTRAINT "agreement_acceptances_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_bank_id_locker_banks_id_fk" FOREIGN KEY ("bank_id") REFERENCES "public"."locker_banks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_compartment_id_compartments_id_fk" FOREIGN KEY ("compartment_id") REFERENCES "public"."compartments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_handouts" ADD CONSTRAINT "asset_handouts_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blackout_days" ADD CONSTRAINT "blackout_days_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_bank_id_locker_banks_id_fk" FOREIGN KEY ("bank_id") REFERENCES "public"."locker_banks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_items" ADD CONSTRAINT "campaign_items_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_items" ADD CONSTRAINT "campaign_items_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_items" ADD CONSTRAINT "campaign_items_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_items" ADD CONSTRAINT "campaign_items_bank_id_locker_banks_id_fk" FOREIGN KEY ("bank_id") REFERENCES "public"."locker_banks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_override_by_people_id_fk" FOREIGN KEY ("override_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_created_by_people_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_hours" ADD CONSTRAINT "site_hours_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agreement_acceptances_uq" ON "agreement_acceptances" USING btree ("person_id","category");--> statement-breakpoint
CREATE UNIQUE INDEX "asset_faults_uq" ON "asset_faults" USING btree ("category","label");--> statement-breakpoint
CREATE UNIQUE INDEX "asset_handouts_code_lookup_uq" ON "asset_handouts" USING btree ("code_lookup");--> statement-breakpoint
CREATE INDEX "asset_handouts_compartment_idx" ON "asset_handouts" USING btree ("compartment_id","status");--> statement-breakpoint
CREATE INDEX "asset_handouts_loan_idx" ON "asset_handouts" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "asset_handouts_status_idx" ON "asset_handouts" USING btree ("status","direction");--> statement-breakpoint
CREATE UNIQUE INDEX "blackout_days_uq" ON "blackout_days" USING btree ("site_id","day");--> statement-breakpoint
CREATE INDEX "bookings_due_idx" ON "bookings" USING btree ("status","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_person_idx" ON "bookings" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "campaign_items_campaign_idx" ON "campaign_items" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "idempotency_keys_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "loans_person_idx" ON "loans" USING btree ("person_id","status");--> statement-breakpoint
CREATE INDEX "loans_asset_idx" ON "loans" USING btree ("asset_id","status");--> statement-breakpoint
CREATE INDEX "loans_due_idx" ON "loans" USING btree ("status","due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_calls_dedupe_uq" ON "outbound_calls" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbound_calls_due_idx" ON "outbound_calls" USING btree ("status","not_before");--> statement-breakpoint
CREATE UNIQUE INDEX "site_hours_uq" ON "site_hours" USING btree ("site_id","weekday");--> statement-breakpoint
CREATE INDEX "waitlist_queue_idx" ON "waitlist_entries" USING btree ("category","site_id","status","created_at");