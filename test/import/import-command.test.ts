import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { runImport } from '../../lib/cli/commands/import';
import { readUsersFile } from '../../lib/cli/import-input';

describe('mailpolicy import command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailpolicy-import-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the import options and the target options', async () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (c) => (text += String(c)));
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir };
    expect(await runImport(['--help'], io)).toBe(0);
    for (const flag of [
      '--org-unit PATH',
      '--users FILE',
      '--out FILE.ts',
      '--stack NAME',
      '--domain DOMAIN',
      '--from-terraform-state FILE',
      '--from-gam-csv FILE',
      '--orgs FILE',
      '--state URL',
      '--merge',
      '--code-only',
      '--lock-timeout DURATION',
      '--target',
    ]) {
      expect(text).toContain(flag);
    }
  });

  test('a users file holds one address a line; blank lines and # comments are skipped', () => {
    const file = join(dir, 'users.txt');
    writeFileSync(file, '# partners\nuser@example.com   # the demo user\r\n\n  Zoe@Example.com\n');
    expect(readUsersFile(file)).toEqual(['user@example.com', 'Zoe@Example.com']);
  });

  test('fails with MP4000 naming each line of a users file that is not an address', () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'user@example.com\nnot an address\n\nalso@bad@\n');
    expect(() => readUsersFile(file)).toThrow(
      /--users: .*bad.txt has 2 lines that are not an email address \(line 2: 'not an address', line 4: 'also@bad@'\)/,
    );
  });

  test('fails with MP4000 when the users file cannot be read', () => {
    expect(() => readUsersFile(join(dir, 'missing.txt'))).toThrow(/--users: cannot read .*missing.txt \(ENOENT\)/);
  });

  test.each([
    [['--from-terraform-state', 'a.tfstate', '--from-gam-csv', 'b.csv'], /exclude each other/],
    [['--orgs', 'orgs.csv'], /--orgs reads `gam print orgs` output and needs --from-gam-csv/],
    [['--from-gam-csv', 'b.csv', '--org-unit', '/Sales'], /--org-unit and --users choose what a live import reads/],
    [['--merge', '--code-only'], /choose one/],
    [['--from-terraform-state', 'missing.tfstate'], /--from-terraform-state: cannot read missing.tfstate \(ENOENT\)/],
    [['--stack', 'no spaces allowed'], /stack name 'no spaces allowed' cannot name a state/],
  ])('refuses %j before connecting', async (argv, message) => {
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir };
    await expect(runImport(argv, io)).rejects.toThrow(message);
  });

  test('fails with MP4000 on a --domain that is not a domain name, before connecting', async () => {
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir };
    await expect(runImport(['--domain', 'not a domain'], io)).rejects.toThrow(
      /--domain: 'not a domain' is not a domain name/,
    );
  });
});
