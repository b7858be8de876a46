import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations, generated from drizzle/pg (the tables in lockstep with
// drizzle/schema); never edit the generated files.
export default defineConfig({
  dialect: 'postgresql',
  schema: './drizzle/pg/index.ts',
  out: './drizzle/migrations-pg',
});
