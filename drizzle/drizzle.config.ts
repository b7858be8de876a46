import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from the tables; never edit the generated files.
export default defineConfig({
  dialect: 'sqlite',
  schema: './drizzle/schema/index.ts',
  out: './drizzle/migrations',
});
