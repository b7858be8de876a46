/**
 * A stand-in for another server instance holding a bank's lease in Redis:
 * `node --import tsx lease-holder.ts <redisUrl> <bankId> <ttlMs>` acquires the
 * lease, refreshes it until killed, and prints "held" once it holds it.
 */
import { Redis } from 'ioredis';
import { createAcceptanceClock, createRedisBankLeases, keepLease } from '../../src/cluster/leases.js';

const [url, bankId, ttl] = process.argv.slice(2);
const redis = new Redis(url!);
const leases = createRedisBankLeases({ redis, ttlMs: Number(ttl) });
const result = await leases.acquire(bankId!, {
  instanceId: 'child',
  connectionId: `child:${process.pid}`,
  acceptedAt: createAcceptanceClock()(),
});
if (!result.ok) {
  console.log('refused');
  process.exit(1);
}
keepLease(leases, bankId!, `child:${process.pid}`);
setInterval(() => {}, 1_000); // stay alive until killed
console.log('held');
