import { emptyManifest, type Manifest } from '../../lib/model/manifest';
import { validateManifest } from '../../lib/model/validate-manifest';

function withOrgUnit(name: string): Manifest {
  return {
    ...emptyManifest('s', ['example.com']),
    orgUnits: [{ path: `/${name}`, name, parentPath: '/', managed: true, constructPath: 's/MailPolicy/Ou' }],
  };
}

describe('OU names Google cannot keep as written', () => {
  test.each([
    ['.', /'\.' cannot round-trip/],
    ['..', /'\.\.' cannot round-trip/],
  ])('%s is refused: it could be created but never read, renamed or deleted', (name, message) => {
    const issues = validateManifest(withOrgUnit(name));
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'MPV-OU-NAME',
        field: 'name',
        value: name,
        message: expect.stringMatching(message),
      }),
    ]);
  });

  test("a '/' in a name is refused, saying Google would store '_' instead", () => {
    const m = emptyManifest('s', ['example.com']);
    m.orgUnits.push({ path: '/a/b', name: 'a/b', parentPath: '/', managed: true });
    const [issue] = validateManifest(m);
    expect(issue).toMatchObject({ code: 'MPV-OU-NAME', value: 'a/b' });
    expect(issue.message).toMatch(/would store it with '_' instead/);
  });

  test.each(['Eng#old', 'A?b', 'R+D', 'Zürich & Co', '50% Off', 'a..b', '.hidden'])('%s is a valid name', (name) => {
    expect(validateManifest(withOrgUnit(name))).toEqual([]);
  });
});
