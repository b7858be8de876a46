import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

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
