import fc from 'fast-check';
import {
  encodeOrgUnitPathParam,
  gatewayPolicyFilter,
  orgUnitUserQuery,
  sendAsBody,
  toGatewayPolicy,
} from '../../lib/admin/private/records';

describe('request values', () => {
  test('OU paths are sent without the leading slash, every reserved character of a segment encoded', () => {
    expect(encodeOrgUnitPathParam('/Sales/Partners')).toBe('Sales/Partners');
    expect(encodeOrgUnitPathParam('/R+D/100%')).toBe('R%2BD/100%25');
    expect(encodeOrgUnitPathParam('/Eng#old/A?b')).toBe('Eng%23old/A%3Fb');
    expect(encodeOrgUnitPathParam('/Zürich & Co')).toBe('Z%C3%BCrich%20%26%20Co');
  });

  test('the escaped path decodes back to the path, whatever the characters', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1 }).filter((s) => !s.includes('/')),
          { minLength: 1, maxLength: 4 },
        ),
        (names) => {
          const path = `/${names.join('/')}`;
          const encoded = encodeURI(encodeOrgUnitPathParam(path)).replace(/%25([0-9A-F]{2})/gi, '%$1');
          // url-template's reserved expansion keeps existing %XX triplets; the server decodes each segment.
          return encoded.split('/').map(decodeURIComponent).join('/') === path.slice(1);
        },
      ),
    );
  });

  test('users.list queries the subtree, quoting apostrophes, and lists everyone for the root', () => {
    expect(orgUnitUserQuery('/Sales')).toBe("orgUnitPath='/Sales'");
    expect(orgUnitUserQuery("/O'Brien Team")).toBe("orgUnitPath='/O\\'Brien Team'");
    expect(orgUnitUserQuery('/')).toBeUndefined();
  });

  test('the policy filter selects the gateway setting of one customer', () => {
    expect(gatewayPolicyFilter('C01demo00')).toBe(
      `customer == "customers/C01demo00" && setting.type.matches('^settings/gmail\\\\.per_user_outbound_gateway$')`,
    );
  });

  test('a send-as body holds only the fields given', () => {
    expect(sendAsBody({ displayName: 'Partner' })).toEqual({ displayName: 'Partner' });
  });
});

describe('records', () => {
  test('a gateway policy record comes from an OU-bound policy of the gateway setting', () => {
    expect(
      toGatewayPolicy({
        name: 'policies/abc',
        type: 'ADMIN',
        policyQuery: { orgUnit: 'orgUnits/03ph8a2z1', sortOrder: 12 },
        setting: {
          type: 'settings/gmail.per_user_outbound_gateway',
          value: { allowUsersToUseExternalSmtpServers: true },
        },
      }),
    ).toEqual({
      name: 'policies/abc',
      orgUnitId: '03ph8a2z1',
      allowUsersToUseExternalSmtpServers: true,
      type: 'ADMIN',
      sortOrder: 12,
    });
    expect(
      toGatewayPolicy({
        name: 'policies/g',
        policyQuery: { group: 'groups/x' },
        setting: { type: 'settings/gmail.per_user_outbound_gateway' },
      }),
    ).toBeUndefined();
  });
});
