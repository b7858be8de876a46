/** Client-side filter for the desk lists: tracking, recipient name, e-mail or student id. */
interface Searchable {
  tracking: string;
  recipient: { name: string; email: string; studentId?: string | null };
}

export function matchesSearch(parcel: Searchable, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const compact = q.replace(/\s+/g, '');
  return (
    parcel.tracking.toLowerCase().replace(/\s+/g, '').includes(compact) ||
    parcel.recipient.name.toLowerCase().includes(q) ||
    parcel.recipient.email.toLowerCase().includes(q) ||
    (parcel.recipient.studentId ?? '').toLowerCase().includes(q)
  );
}
