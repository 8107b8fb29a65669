import fc from 'fast-check';

import {
  commentText,
  constructIdOf,
  emailIdOf,
  identifierOf,
  smtpEnvStem,
  tsString,
  UniqueNames,
} from '../../lib/import/private/identifiers';

/** Evaluates a string literal the way the TypeScript file would. */
function evaluate(literal: string): string {
  // Evaluating the generated literal, exactly as the generated file would, is what this test checks.
  return new Function(`return ${literal};`)() as string;
}

describe('string literals in generated code', () => {
  test.each([
    ['a plain name', 'Sales'],
    ['an apostrophe', "O'Brien"],
    ['both quotes', `He said "it's fine"`],
    ['backslashes', 'C:\\path\\n'],
    ['a template placeholder', '${process.exit(1)}'],
    ['newlines in a signature', '<b>Jane</b>\r\n<i>Sales</i>\n'],
    ['non-ASCII letters', 'Ventes Île-de-France – Zürich ✓ 東京'],
    ['line separators', 'a\u2028b\u2029c'],
    ['a lone surrogate', 'x\ud800y'],
  ])('keeps %s exactly', (_what, value) => {
    const literal = tsString(value);
    expect(evaluate(literal)).toBe(value);
    expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  test('any string survives the round trip through a literal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(evaluate(tsString(value))).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  test('uses double quotes only to avoid escaping an apostrophe', () => {
    expect(tsString('Sales')).toBe("'Sales'");
    expect(tsString("O'Brien")).toBe('"O\'Brien"');
    expect(tsString(`"it's"`)).toBe(`'"it\\'s"'`);
  });

  test('comment text never ends the comment early', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(commentText(value)).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
    );
  });
});

describe('construct ids and variable names', () => {
  test('OU ids are the ASCII words of the path, accents dropped', () => {
    expect(constructIdOf(['Sales', 'Partners EMEA'], 'OrgUnit')).toBe('Sales-PartnersEMEA');
    expect(constructIdOf(['Réseau', "O'Brien+Co"], 'OrgUnit')).toBe('Reseau-OBrienCo');
    expect(constructIdOf(['東京'], 'OrgUnit')).toBe('OrgUnit');
  });

  test('address ids keep the address readable and never contain a slash', () => {
    expect(emailIdOf('Jane.Doe+news@Example.com')).toBe('jane.doe-news-at-example.com');
    fc.assert(fc.property(fc.string(), (s) => expect(emailIdOf(s)).not.toContain('/')));
  });

  test('variable names are valid identifiers whatever the name', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (parts) => {
        expect(identifierOf('ou', parts)).toMatch(/^ou[A-Za-z0-9]*$/);
      }),
    );
  });

  test('unique names number repeats in the order they are asked for', () => {
    const names = new UniqueNames('-', ['Root'], true);
    expect(['Sales', 'sales', 'Sales', 'root'].map((n) => names.claim(n))).toEqual([
      'Sales',
      'sales-2',
      'Sales-3',
      'root-2',
    ]);
  });
});

describe('SMTP credential variable names', () => {
  test('follow SMTP_<user local part>_<send-as address>, upper-cased, other characters as _', () => {
    expect(smtpEnvStem('user@example.com', 'user.name@partnerdomain.com')).toBe(
      'SMTP_USER_USER_NAME_PARTNERDOMAIN_COM',
    );
    expect(smtpEnvStem("o'brien+x@example.com", 'Zoë@Partner.io')).toBe('SMTP_O_BRIEN_X_ZOE_PARTNER_IO');
  });

  test('are always valid environment variable names', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.emailAddress(), (user, sendAs) => {
        expect(`${smtpEnvStem(user, sendAs)}_PASSWORD`).toMatch(/^[A-Z_][A-Z0-9_]*$/);
      }),
    );
  });
});
