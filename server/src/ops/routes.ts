/**
 * The operator's endpoints beside /graphql:
 *
 * - `GET /healthz` — liveness: the process is up and its event loop answers.
 *   Touches no database and no Redis, so a slow dependency never gets a
 *   healthy process restarted. Always 200 while it can answer at all.
 * - `GET /readyz` — readiness (readiness.ts): 200 with every check, or 503
 *   naming the failing ones. Load balancers route by this one. Each check's
 *   detail (an error text may name hosts) only for callers /metrics admits.
 * - `GET /metrics` — Prometheus text (metrics/index.ts). With METRICS_TOKEN:
 *   `Authorization: Bearer <token>` or 401. Without: loopback callers only,
 *   and not through a proxy (a reverse proxy on the same machine connects
 *   from loopback on behalf of anyone), else 403 saying why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Metrics } from '../metrics/index.js';
import type { createReadiness } from './readiness.js';

export interface OpsRouteOptions {
  instanceId: string;
  metrics: Pick<Metrics, 'render'>;
  readiness: ReturnType<typeof createReadiness>;
  metricsToken: string | undefined;
  /** In-memory figures for /healthz (no database). */
  alive: () => Record<string, unknown>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Why this request may not read /metrics, or null when it may. */
export function metricsRefusal(
  req: Pick<Request, 'headers'> & { socket: { remoteAddress?: string | undefined } },
  token: string | undefined,
): { status: 401 | 403; message: string } | null {
  if (token) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
    // Compared as digests: same length, constant time, nothing learnt from timing.
    if (m?.[1] && timingSafeEqual(digest(m[1]), digest(token))) return null;
    return { status: 401, message: 'Metrics need Authorization: Bearer <METRICS_TOKEN>.' };
  }
  const address = req.socket.remoteAddress ?? '';
  if (!LOOPBACK.test(address)) {
    return {
      status: 403,
      message: `Metrics answer only loopback callers while METRICS_TOKEN is unset (this request came from ${address || 'an unknown address'}); set METRICS_TOKEN to scrape from elsewhere.`,
    };
  }
  const forwarded = FORWARDING_HEADERS.find((h) => req.headers[h] !== undefined);
  if (forwarded) {
    return {
      status: 403,
      message: `Metrics answer only direct loopback callers while METRICS_TOKEN is unset; this request came through a proxy (${forwarded}). Set METRICS_TOKEN to scrape through one.`,
    };
  }
  return null;
}

export function opsRoutes(opts: OpsRouteOptions): Router {
  const router = Router();
  const started = Date.now();
  const noStore = (res: Response) => res.set('cache-control', 'no-store');

  router.get('/healthz', (_req, res) => {
    noStore(res).json({
      ok: true,
      status: 'alive',
      instance: opts.instanceId,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      ...opts.alive(),
    });
  });

  router.get('/readyz', async (req, res) => {
    const r = await opts.readiness.check();
    // The reasons (error texts, which may name hosts and ports) only for whoever may read
    // /metrics; a load balancer needs the status and the names of the checks.
    const detailed = metricsRefusal(req, opts.metricsToken) === null;
    noStore(res)
      .status(r.ok ? 200 : 503)
      .json({
        ok: r.ok,
        instance: opts.instanceId,
        ...(r.ok ? {} : { failing: r.failing }),
        checks: detailed ? r.checks : r.checks.map(({ detail: _detail, ...check }) => check),
      });
  });

  router.get('/metrics', async (req, res) => {
    const refusal = metricsRefusal(req, opts.metricsToken);
    noStore(res);
    if (refusal) {
      if (refusal.status === 401) res.set('www-authenticate', 'Bearer realm="metrics"');
      res.status(refusal.status).type('text/plain').send(`${refusal.message}\n`);
      return;
    }
    const { contentType, body } = await opts.metrics.render();
    res.type(contentType).send(body);
  });

  return router;
}
