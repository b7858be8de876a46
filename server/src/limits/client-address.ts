/**
 * Who the network client is, the same way for HTTP (Express's `req.ip`) and
 * for WebSocket upgrades (which never pass through Express): behind a trusted
 * reverse proxy the address it put in X-Forwarded-For, else the socket's.
 * Rate limits and socket caps count by this address.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** TRUST_PROXY as Express understands it: `true`, `false`, a hop count, or addresses/subnets (comma separated). */
export function trustProxySetting(raw: string): boolean | number | string {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === 'yes') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return raw.trim();
}

/** The client address of an HTTP request or WebSocket upgrade, given the TRUST_PROXY setting. */
export function clientAddressResolver(setting: boolean | number | string): (req: IncomingMessage) => string | null {
  const trust =
    setting === true
      ? () => true
      : setting === false
        ? () => false
        : typeof setting === 'number'
          ? (_addr: string, hop: number) => hop < setting
          : proxyaddr.compile(setting.split(',').map((s) => s.trim()));
  return (req) => {
    if (!req.socket.remoteAddress) return null;
    return normalise(proxyaddr(req, trust));
  };
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
