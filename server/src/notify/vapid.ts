/** VAPID keys (RFC 8292) for web push: generated on first start and kept. */
import { eq } from 'drizzle-orm';
import webpush from 'web-push';
import type { Db } from '../db/index.js';
import { tables } from '../db/index.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export function loadVapidKeys(db: Db): VapidKeys {
  const { serverSettings } = tables;
  const read = () => db.orm.select().from(serverSettings).where(eq(serverSettings.key, 'vapid_keys')).get();
  const row = read();
  if (row) return JSON.parse(row.value) as VapidKeys;
  const keys = webpush.generateVAPIDKeys();
  db.orm
    .insert(serverSettings)
    .values({ key: 'vapid_keys', value: JSON.stringify(keys) })
    .onConflictDoNothing()
    .run();
  return JSON.parse(read()!.value) as VapidKeys;
}
