/**
 * Per-request security headers (see src/security-headers.ts): the CSP names
 * the API the browser is told about in `/config.js`, read from the web
 * server's environment when it runs, so one build serves any API URL.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { isProduction, serverRuntimeConfig, DEFAULT_API_URL } from '@/config';
import { requestIsTls, requestSecurityHeaders } from '@/security-headers';

export function proxy(request: NextRequest): NextResponse {
  const runtime = serverRuntimeConfig();
  const response = NextResponse.next();
  const headers = requestSecurityHeaders({
    apiUrl: runtime.ok ? runtime.config.apiUrl : DEFAULT_API_URL,
    host: request.headers.get('host'),
    tls: requestIsTls(request.nextUrl.protocol, request.headers.get('x-forwarded-proto')),
    dev: !isProduction,
  });
  for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
  return response;
}

export const config = {
  // Build output with content hashes needs no policy of its own (it is not a document).
  matcher: ['/((?!_next/static|_next/image).*)'],
};
