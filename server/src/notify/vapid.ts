/** VAPID keys (RFC 8292) for web push: generated on first start and kept. */
import { eq } from 'drizzle-orm';
import webpush from 'web-push';
import type { Db } from '../db/index.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The kept keys; on first start new ones (an instance starting at the same time keeps the first written). */
export async function loadVapidKeys(db: Db): Promise<VapidKeys> {
  const { serverSettings } = db.tables;
  const read = async () =>
    (await db.read.select().from(serverSettings).where(eq(serverSettings.key, 'vapid_keys')).limit(1))[0];
  const row = await read();
  if (row) return JSON.parse(row.value) as VapidKeys;
  const keys = webpush.generateVAPIDKeys();
  await db.transaction(async (tx) => {
    await tx
      .insert(serverSettings)
      .values({ key: 'vapid_keys', value: JSON.stringify(keys) })
      .onConflictDoNothing();
  });
  return JSON.parse((await read())!.value) as VapidKeys;
}
