/**
 * A preview of a people CSV before it is sent: the server parses and decides,
 * this only catches what is visible at a glance (wrong header, missing e-mail,
 * unknown role) and counts the rows. Line numbers match the server's (the
 * header is line 1).
 */

export const EXPECTED_HEADER = ['email', 'name', 'role', 'studentId', 'department'] as const;
const ROLES = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'];

export interface PreviewRow {
  line: number;
  email: string;
  name: string;
  role: string;
  studentId: string;
  department: string;
}

export interface CsvPreview {
  /** Missing or unexpected header columns; empty when the header is fine. */
  headerProblems: string[];
  rows: PreviewRow[];
  problems: { line: number; message: string }[];
}

/** Splits one CSV line, honouring double quotes ("a, b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

export function previewCsv(text: string): CsvPreview {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const lower = header.map((h) => h.toLowerCase());
  const headerProblems: string[] = [];
  for (const column of ['email', 'name']) {
    if (!lower.includes(column.toLowerCase())) headerProblems.push(`The header has no “${column}” column.`);
  }
  for (const h of header) {
    if (h && !EXPECTED_HEADER.some((e) => e.toLowerCase() === h.toLowerCase())) {
      headerProblems.push(`Unknown column “${h}” (expected ${EXPECTED_HEADER.join(',')}).`);
    }
  }
  const index = (name: string) => lower.indexOf(name.toLowerCase());
  const rows: PreviewRow[] = [];
  const problems: CsvPreview['problems'] = [];
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (!raw.trim()) return;
    const cells = splitCsvLine(raw);
    const get = (name: string) => {
      const at = index(name);
      return at >= 0 ? (cells[at] ?? '') : '';
    };
    const row: PreviewRow = {
      line,
      email: get('email'),
      name: get('name'),
      role: get('role').toUpperCase(),
      studentId: get('studentId'),
      department: get('department'),
    };
    rows.push(row);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(row.email)) problems.push({ line, message: 'No valid e-mail address.' });
    if (!row.name) problems.push({ line, message: 'No name.' });
    if (row.role && !ROLES.includes(row.role)) problems.push({ line, message: `Unknown role “${get('role')}”.` });
  });
  return { headerProblems, rows, problems };
}
