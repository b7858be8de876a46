'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useWallMode } from '@/hooks/useWallMode';
import { activeHref, navFor } from '@/lib/roles';
import { useSession } from './SessionProvider';
import { WallClock } from './WallClock';
import styles from './AppHeader.module.css';

const ROLE_LABEL: Record<string, string> = {
  STUDENT: 'Student',
  STAFF: 'Staff',
  IT: 'IT',
  MAILROOM: 'Mailroom',
  COURIER: 'Courier',
  ADMIN: 'Admin',
  DEPARTMENT: 'Department',
};

/** App name, who is signed in (with role), the role's pages and sign-out. Wall mode keeps only the name and a clock. */
export function AppHeader() {
  const wall = useWallMode();
  const pathname = usePathname();
  const { status, session, signOut } = useSession();
  const items = status === 'signed-in' && session && !wall ? navFor(session.person.role) : [];
  const current = activeHref(pathname, items);
  return (
    <header className={styles.header} data-wall={wall || undefined}>
      <div className={styles.inner}>
        <Link href="/" className={styles.brand}>
          <BrandMark />
          Baylight
        </Link>
        {wall ? (
          <WallClock />
        ) : (
          status === 'signed-in' &&
          session && (
            <div className={styles.account}>
              <p className={styles.person} data-testid="signed-in-person">
                <span className={styles.name}>{session.person.name}</span>
                <span className="visually-hidden">, role:</span>
                <span className={styles.role} data-testid="signed-in-role">
                  {ROLE_LABEL[session.person.role] ?? session.person.role}
                </span>
              </p>
              <button type="button" className={styles.signOut} onClick={() => void signOut('signed-out')}>
                Sign out
              </button>
            </div>
          )
        )}
      </div>
      {items.length > 0 && (
        <nav className={styles.nav} aria-label="Main" data-testid="main-nav">
          <ul className={styles.navList}>
            {items.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  className={styles.navLink}
                  aria-current={item.href === current ? 'page' : undefined}
                  data-testid={`nav-${item.href}`}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </header>
  );
}

/** Static fallback while the search params are not known (prerender). */
export function AppHeaderFallback() {
  return (
    <header className={styles.header}>
      <div className={styles.inner}>
        <Link href="/" className={styles.brand}>
          <BrandMark />
          Baylight
        </Link>
      </div>
    </header>
  );
}

function BrandMark() {
  return (
    <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="#fff" />
      <g fill="#0b3a5b">
        <rect x="6" y="6" width="9" height="9" rx="1.5" />
        <rect x="17" y="6" width="9" height="9" rx="1.5" />
        <rect x="6" y="17" width="9" height="9" rx="1.5" />
      </g>
      <rect x="17" y="17" width="9" height="9" rx="1.5" fill="#f59e0b" />
    </svg>
  );
}
