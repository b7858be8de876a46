/**
 * The network client behind a request, for attempt budgets and rate limits.
 * Behind a TLS reverse proxy every socket comes from the proxy: TRUST_PROXY
 * names the hops whose X-Forwarded-For is believed (as Express's
 * `trust proxy`: false, true, a hop count, or addresses and subnets). One
 * resolver serves HTTP and WebSocket upgrades alike.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type ClientAddress = (req: IncomingMessage) => string | null;

export function parseTrustProxy(value: string): boolean | number | string[] {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function clientAddressResolver(trustProxy: string): ClientAddress {
  const setting = parseTrustProxy(trustProxy);
  const trust =
    typeof setting === 'boolean'
      ? () => setting
      : typeof setting === 'number'
        ? (_addr: string, i: number) => i < setting
        : proxyaddr.compile(setting);
  return (req) => {
    try {
      return proxyaddr(req, trust) || null;
    } catch {
      return req.socket.remoteAddress ?? null;
    }
  };
}
