'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ComponentProps } from 'react';
import { needsOwnDocument } from '@/lib/roles';

/**
 * `next/link`, except into a camera page from a page without the camera: that
 * one is a full page load, because the camera is allowed per document
 * (Permissions-Policy, see src/security-headers.ts) and a client-side
 * navigation would keep the current document's policy.
 */
export function AppLink({ href, ...props }: Omit<ComponentProps<typeof Link>, 'href'> & { href: string }) {
  const pathname = usePathname();
  if (needsOwnDocument(href, pathname)) {
    const { prefetch: _prefetch, replace: _replace, scroll: _scroll, ...anchor } = props;
    return <a href={href} {...anchor} />;
  }
  return <Link href={href} {...props} />;
}
