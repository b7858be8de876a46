import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF', () => {
    const csv = 'email,name\r\n"a@uni.edu","Lovelace, Ada ""AL"""\nb@uni.edu,"Two\nlines"\n';
    expect(parseCsv(csv)).toEqual([
      ['email', 'name'],
      ['a@uni.edu', 'Lovelace, Ada "AL"'],
      ['b@uni.edu', 'Two\nlines'],
    ]);
  });

  it('keeps a last line without a newline and strips a byte-order mark', () => {
    expect(parseCsv('\uFEFFx,y\n1,2')).toEqual([
      ['x', 'y'],
      ['1', '2'],
    ]);
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and reads back as it was written', () => {
    const rows = [
      ['tag', 'notes'],
      ['LT-1', 'plain'],
      ['LT-2', 'a, b "c"\nline two'],
      ['LT-3', ''],
    ];
    const csv = toCsv(rows);
    expect(csv).toBe('tag,notes\r\nLT-1,plain\r\nLT-2,"a, b ""c""\nline two"\r\nLT-3,\r\n');
    expect(parseCsv(csv)).toEqual(rows);
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    const csv = toCsv([['=HYPERLINK("http://evil")', '+1', '-2', '@SUM(A1)', 'ok', 42, -3]]);
    expect(parseCsv(csv)[0]).toEqual(['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", 'ok', '42', '-3']);
  });
});
