'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useWallMode } from '@/hooks/useWallMode';
import { activeHref, navFor, type NavItem } from '@/lib/roles';
import { AppLink } from './AppLink';
import { Icon } from './Icon';
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
      {items.length > 0 && <MainNav items={items} current={current} pathname={pathname} />}
    </header>
  );
}

/**
 * The role's pages. When they fit on one row they are shown as tabs; when they
 * do not (a phone, large text), a "Menu" button shows the current page and
 * opens the list below it (disclosure pattern: aria-expanded/aria-controls,
 * Escape closes and returns focus, choosing a page closes it). Whether they fit
 * is measured on a hidden one-row copy, before paint and on every resize.
 */
function MainNav({
  items,
  current,
  pathname,
}: {
  items: readonly NavItem[];
  current: string | null;
  pathname: string;
}) {
  const listId = useId();
  const navRef = useRef<HTMLElement>(null);
  const measureRef = useRef<HTMLUListElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const [compact, setCompact] = useState(false);
  const [open, setOpen] = useState(false);

  useLayoutEffect(() => {
    const nav = navRef.current;
    const measure = measureRef.current;
    if (!nav || !measure) return;
    // A little slack: the current page's label is bolder than the copy's.
    const check = () => setCompact(measure.scrollWidth > nav.clientWidth - 8);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(nav);
    return () => observer.disconnect();
  }, [items]);

  // A page was chosen (or the layout has room again): close the menu.
  useEffect(() => setOpen(false), [pathname, compact]);

  // Escape or a click elsewhere closes it.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!navRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  const currentLabel = items.find((item) => item.href === current)?.label;
  return (
    <nav
      ref={navRef}
      className={styles.nav}
      aria-label="Main"
      data-testid="main-nav"
      data-compact={compact || undefined}
    >
      {/* One row of every item, never seen: tells whether the tabs fit. */}
      <ul ref={measureRef} className={styles.measure} aria-hidden="true">
        {items.map((item) => (
          <li key={item.href} className={styles.navLink}>
            {item.label}
          </li>
        ))}
      </ul>
      {compact && (
        <button
          ref={buttonRef}
          type="button"
          className={styles.menuButton}
          aria-expanded={open}
          aria-controls={listId}
          onClick={() => setOpen((value) => !value)}
          data-testid="main-nav-toggle"
        >
          <Icon name="menu" />
          <span>Menu</span>
          {currentLabel && (
            <span className={styles.menuCurrent}>
              <span className="visually-hidden">, this page: </span>
              {currentLabel}
            </span>
          )}
          <Icon name="chevronDown" className={styles.menuChevron} />
        </button>
      )}
      <ul id={listId} className={compact ? styles.menuList : styles.navList} hidden={compact && !open}>
        {items.map((item) => (
          <li key={item.href}>
            <AppLink
              href={item.href}
              className={styles.navLink}
              aria-current={item.href === current ? 'page' : undefined}
              data-testid={`nav-${item.href}`}
              onClick={() => setOpen(false)}
            >
              {item.label}
            </AppLink>
          </li>
        ))}
      </ul>
    </nav>
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
