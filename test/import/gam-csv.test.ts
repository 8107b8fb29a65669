import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readGamCsv, type CsvInput } from '../../lib/import';
import { MailPolicyError } from '../../lib/model/errors';

const FIXTURES = join(__dirname, '..', 'fixtures', 'migrate');
const SENDAS: CsvInput = { file: 'sendas.csv', text: readFileSync(join(FIXTURES, 'sendas.csv'), 'utf8') };
const ORGS: CsvInput = { file: 'orgs.csv', text: readFileSync(join(FIXTURES, 'orgs.csv'), 'utf8') };
const HEADER =
  'User,displayName,sendAsEmail,replyToAddress,isPrimary,isDefault,treatAsAlias,verificationStatus,signature,smtpMsa.host,smtpMsa.port,smtpMsa.securityMode';

function failure(sendAs: CsvInput, orgs?: CsvInput): MailPolicyError {
  try {
    readGamCsv(sendAs, orgs);
  } catch (error) {
    if (MailPolicyError.isMailPolicyError(error)) return error;
    throw error;
  }
  throw new Error('expected the export to be refused');
}

describe('readGamCsv', () => {
  test("reads `gam print sendas` with GAM's columns: primary rows skipped, escapes and line breaks kept", () => {
    const source = readGamCsv(SENDAS);
    expect(source.sendAs).toEqual([
      {
        address: 'sendas.csv line 3',
        userEmail: 'user@example.com',
        verificationStatus: 'accepted',
        sendAs: { sendAsEmail: 'team@example.com', displayName: 'Sales Team \\ Desk', treatAsAlias: true },
      },
      {
        address: 'sendas.csv line 4',
        userEmail: 'user@example.com',
        verificationStatus: 'accepted',
        sendAs: {
          sendAsEmail: 'user.name@partnerdomain.com',
          displayName: 'User Name',
          replyToAddress: 'replies@partnerdomain.com',
          signature: '<div>User Name<br>\nPartner desk, "EMEA"</div>',
          treatAsAlias: false,
          isDefault: true,
          smtpMsa: { host: 'smtp.partnerdomain.com', port: 587, securityMode: 'starttls' },
        },
      },
      {
        address: 'sendas.csv line 7',
        userEmail: 'zoe@example.com',
        verificationStatus: 'accepted',
        sendAs: {
          sendAsEmail: 'zoe@resellers.net',
          displayName: 'Zoë Müller',
          treatAsAlias: false,
          smtpMsa: { host: 'mail.resellers.net', port: 587, securityMode: 'starttls' },
        },
      },
    ]);
    expect(source.skipped.map((s) => s.address)).toEqual([
      'sendas.csv line 2',
      'sendas.csv line 6',
      'sendas.csv line 8',
    ]);
    expect(source.orgUnits).toEqual([]);
    expect(source.description).toBe('GAM export sendas.csv');
  });

  test('reads `gam print orgs allfields`: paths, names, descriptions, ids without id:', () => {
    const source = readGamCsv(SENDAS, ORGS);
    expect(source.orgUnits).toEqual([
      {
        address: 'orgs.csv line 2',
        path: '/Legal',
        name: 'Legal',
        parentPath: '/',
        description: 'Legal and compliance',
        orgUnitId: '03ph8a2z4b1sq9w',
      },
      {
        address: 'orgs.csv line 3',
        path: '/Sales',
        name: 'Sales',
        parentPath: '/',
        description: 'Sales team',
        orgUnitId: '03ph8a2z2r4nhx1',
      },
      {
        address: 'orgs.csv line 4',
        path: '/Sales/Partners',
        name: 'Partners',
        parentPath: '/Sales',
        description: 'Partner desk',
        orgUnitId: '03ph8a2z3v8c0km',
      },
      {
        address: 'orgs.csv line 5',
        path: '/Sales/Partners/EMEA',
        name: 'EMEA',
        parentPath: '/Sales/Partners',
        description: 'Partners in Europe',
        orgUnitId: '03ph8a2z0d6ufy2',
      },
    ]);
    expect(source.notes).toEqual([]);
    expect(source.description).toBe('GAM export sendas.csv and orgs.csv');
  });

  test("reads GAM's default `print orgs` columns, saying descriptions are not managed", () => {
    const orgs = {
      file: 'orgs.csv',
      text: '\ufefforgUnitPath,orgUnitId,name,parentOrgUnitId\r\n/Sales,id:03ph8a2z2r4nhx1,Sales,id:03ph8a2z1k5tbq7\r\n',
    };
    const source = readGamCsv(SENDAS, orgs);
    expect(source.orgUnits).toEqual([
      { address: 'orgs.csv line 2', path: '/Sales', name: 'Sales', parentPath: '/', orgUnitId: '03ph8a2z2r4nhx1' },
    ]);
    expect(source.notes).toEqual([
      'orgs.csv has no description column (`gam print orgs` without allfields): OU descriptions are not managed',
    ]);
  });

  test('a `print sendas verifyonly` export imports no signatures, and says so', () => {
    const text = `${HEADER}\nu@example.com,U,u@partner.com,,False,False,False,accepted,True,smtp.partner.com,465,ssl\n`;
    const source = readGamCsv({ file: 's.csv', text });
    expect(source.sendAs[0].sendAs).not.toHaveProperty('signature');
    expect(source.notes[0]).toMatch(/signature column holds only True\/False .*verifyonly/);
  });

  test('names the missing columns and how to export them', () => {
    const error = failure({ file: 'users.csv', text: 'primaryEmail,name\nu@example.com,U\n' });
    expect(error.code).toBe('MP5002');
    expect(error.message).toBe(
      '--from-gam-csv: users.csv lacks the columns User, sendAsEmail (it has: primaryEmail, name); export it with `gam all users print sendas`',
    );
    const orgs = failure(SENDAS, { file: 'o.csv', text: 'name\nSales\n' });
    expect(orgs.message).toMatch(/--orgs: o.csv lacks the column orgUnitPath .*`gam print orgs allfields`/);
  });

  test('lists every broken row at once with its line', () => {
    const text = [
      HEADER,
      'u@example.com,U,u@partner.com,,False,Yes,False,accepted,,smtp.partner.com,2525x,ssl',
      'not-an-address,U,x@partner.com,,False,False,False,accepted,,,,',
      'u@example.com,U,v@partner.com,,False,False,False,accepted,,smtp.partner.com,587,tls',
      'u@example.com,U,U@Partner.com,,False,False,False,accepted,,,,',
    ].join('\n');
    const error = failure({ file: 's.csv', text });
    expect(error.message.split('\n')).toEqual([
      'GAM export has 5 problems; nothing was imported:',
      "  - s.csv line 2: smtpMsa.port '2525x' is not a port number (1-65535)",
      "  - s.csv line 2: isDefault 'Yes' is not True or False",
      "  - s.csv line 3: User 'not-an-address' is not an email address",
      "  - s.csv line 4: smtpMsa.securityMode 'tls' (allowed: ssl, starttls, none, securityModeUnspecified)",
      '  - s.csv line 5: u@example.com → U@Partner.com is listed again (first on s.csv line 2); keep one row',
    ]);
  });

  test('refuses an orgs row whose parent is not the parent of its path, and skips the root', () => {
    const orgs = {
      file: 'o.csv',
      text: 'orgUnitPath,parentOrgUnitPath\n/,\n/Sales/Partners,/Marketing\n',
    };
    expect(failure(SENDAS, orgs).message).toContain(
      "o.csv line 3: parentOrgUnitPath '/Marketing' is not the parent of /Sales/Partners",
    );
    const ok = readGamCsv(SENDAS, { file: 'o.csv', text: 'orgUnitPath\n/\n/Sales\n' });
    expect(ok.skipped).toContainEqual({
      address: 'o.csv line 2',
      reason: 'the root OU, which always exists and is never managed',
    });
  });

  test('refuses text that is not CSV', () => {
    const error = failure({ file: 's.csv', text: `${HEADER}\n"unterminated,quote\n` });
    expect(error.message).toMatch(/^--from-gam-csv: s.csv is not a CSV file GAM wrote: /);
  });
});
