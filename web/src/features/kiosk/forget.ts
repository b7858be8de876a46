/**
 * Does the typed token match the screen's stored kiosk token? Compared in full
 * every time (no early exit), so the time taken says nothing about how much
 * of it was right.
 */
export function tokenMatches(typed: string, stored: string): boolean {
  if (stored.length === 0) return false;
  let difference = typed.length ^ stored.length;
  for (let i = 0; i < stored.length; i++) {
    difference |= (typed.charCodeAt(i) || 0) ^ stored.charCodeAt(i);
  }
  return difference === 0;
}
