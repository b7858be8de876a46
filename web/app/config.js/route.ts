/**
 * `/config.js`: the web app's runtime configuration, read from the environment
 * of `next start` on every request (so one build serves any API URL). The root
 * layout loads it before the app starts; the service worker keeps the last
 * copy for offline starts. See src/config.ts.
 */
import { configScript, serverRuntimeConfig } from '@/config';

export const dynamic = 'force-dynamic';

let warned = false;

export function GET(): Response {
  const result = serverRuntimeConfig();
  if (!result.ok && !warned) {
    warned = true;
    console.error(`[baylight web] ${result.problem}; the browser falls back to the built-in API URL.`);
  }
  return new Response(configScript(result), {
    headers: {
      'Content-Type': 'text/javascript; charset=utf-8',
      // Always fresh from the server; the service worker keeps its own copy for offline use.
      'Cache-Control': 'no-store',
    },
  });
}
