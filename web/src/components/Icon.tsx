/**
 * A few line icons drawn inline (no icon font, no network). Always decorative:
 * the text next to them carries the meaning.
 */
import type { SVGProps } from 'react';

const PATHS = {
  doorOpen: 'M4 21h16M6 21V4h8v17M14 4l4 2v15M11 12h.01',
  lock: 'M6 11h12v10H6zM8 11V8a4 4 0 0 1 8 0v3',
  check: 'M5 12.5l4.5 4.5L19 7',
  bookmark: 'M7 4h10v17l-5-4-5 4z',
  box: 'M4 8l8-4 8 4v8l-8 4-8-4zM4 8l8 4 8-4M12 12v8',
  empty: 'M4 4h16v16H4z',
  question: 'M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17.5h.01',
  wrench: 'M14.5 6.5a4 4 0 0 0-5.2 5.2L4 17v3h3l5.3-5.3a4 4 0 0 0 5.2-5.2l-2.5 2.5-2.5-.5-.5-2.5z',
  alert: 'M12 3l10 18H2zM12 10v5M12 18h.01',
  bolt: 'M13 2L4 14h7l-1 8 9-12h-7z',
  battery: 'M3 8h15v8H3zM21 11v2M6 11h9v2H6z',
  accessible: 'M11 3.5a1.5 1.5 0 1 0 0 .01M11 7v6h5l2.5 5.5M11 10h4.5M8 10.2a5.5 5.5 0 1 0 7.8 7.3',
  online: 'M12 20h.01M8.5 16.5a5 5 0 0 1 7 0M5 13a10 10 0 0 1 14 0M2 9.5a15 15 0 0 1 20 0',
  offline: 'M12 20h.01M8.5 16.5a5 5 0 0 1 7 0M2 9.5a15 15 0 0 1 5-3M3 3l18 18M12 5a15 15 0 0 1 10 4.5',
  refresh: 'M20 11a8 8 0 1 0-2.3 5.7M20 5v6h-6',
  menu: 'M4 7h16M4 12h16M4 17h16',
  chevronDown: 'M6 9l6 6 6-6',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, ...props }: { name: IconName } & SVGProps<SVGSVGElement>) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...props}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
