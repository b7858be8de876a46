import { useEffect, useRef, useState } from 'react';
import type { DoorState } from '@/gql/graphql';

interface BankDoors {
  name: string;
  compartments: readonly { id: string; label: string; door: DoorState }[];
}

const SHOW_FOR_MS = 6_000;
const MAX_NAMED = 3;

export function doorOpenedMessage(opened: readonly string[]): string {
  if (opened.length === 0) return '';
  const named = opened.slice(0, MAX_NAMED).join(', ');
  const more = opened.length > MAX_NAMED ? ` and ${opened.length - MAX_NAMED} more` : '';
  return `${opened.length === 1 ? 'Door opened' : 'Doors opened'}: ${named}${more}`;
}

/**
 * Watches door states and returns a short message when doors go from closed to
 * open, for a polite live region. The first data seen only sets the baseline,
 * so loading the board announces nothing.
 */
export function useDoorAnnouncements(banks: readonly BankDoors[] | undefined): string {
  const previous = useRef<Map<string, DoorState> | null>(null);
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (!banks) return;
    const doors = new Map<string, DoorState>();
    const opened: string[] = [];
    for (const bank of banks) {
      for (const c of bank.compartments) {
        doors.set(c.id, c.door);
        if (previous.current?.get(c.id) === 'CLOSED' && c.door === 'OPEN') opened.push(`${c.label} at ${bank.name}`);
      }
    }
    previous.current = doors;
    if (opened.length > 0) setMessage(doorOpenedMessage(opened));
  }, [banks]);

  // Brief: the message clears itself so the region does not keep stale news.
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => setMessage(''), SHOW_FOR_MS);
    return () => clearTimeout(timer);
  }, [message]);

  return message;
}
