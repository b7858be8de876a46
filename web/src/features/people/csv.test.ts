import { describe, expect, it } from 'vitest';
import { previewCsv, splitCsvLine } from './csv';

describe('splitCsvLine', () => {
  it('honours quotes', () => {
    expect(splitCsvLine('a@b.c,"Lovelace, Ada",STUDENT')).toEqual(['a@b.c', 'Lovelace, Ada', 'STUDENT']);
    expect(splitCsvLine('"say ""hi""",x')).toEqual(['say "hi"', 'x']);
    expect(splitCsvLine('a,,c')).toEqual(['a', '', 'c']);
  });
});

describe('previewCsv', () => {
  it('counts rows and numbers lines like the server (header = line 1)', () => {
    const preview = previewCsv(
      'email,name,role,studentId,department\nada@uni.edu,Ada,STUDENT,S1,Maths\n\nbob@uni.edu,Bob,,S2,\n',
    );
    expect(preview.headerProblems).toEqual([]);
    expect(preview.rows.map((r) => [r.line, r.email, r.role])).toEqual([
      [2, 'ada@uni.edu', 'STUDENT'],
      [4, 'bob@uni.edu', ''],
    ]);
    expect(preview.problems).toEqual([]);
  });
  it('points at lines that look wrong', () => {
    const preview = previewCsv('email,name,role\nnot-an-email,Ann,STUDENT\nc@uni.edu,,WIZARD');
    expect(preview.problems).toEqual([
      { line: 2, message: 'No valid e-mail address.' },
      { line: 3, message: 'No name.' },
      { line: 3, message: 'Unknown role “WIZARD”.' },
    ]);
  });
  it('complains about the header', () => {
    const preview = previewCsv('mail,fullname\nx,y');
    expect(preview.headerProblems).toContain('The header has no “email” column.');
    expect(preview.headerProblems.some((p) => p.startsWith('Unknown column “mail”'))).toBe(true);
  });
  it('accepts a byte-order mark and CRLF line ends', () => {
    const preview = previewCsv('\uFEFFemail,name\r\nada@uni.edu,Ada\r\n');
    expect(preview.headerProblems).toEqual([]);
    expect(preview.rows).toHaveLength(1);
  });
});
