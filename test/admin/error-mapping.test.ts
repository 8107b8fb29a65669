import {
  exhaustedError,
  readFailure,
  retryVerdict,
  toAdminApiError,
  type CallContext,
} from '../../lib/admin/private/error-mapping';

function httpError(status: number, data: unknown, headers: Record<string, string> = {}): unknown {
  return {
    name: 'GaxiosError',
    message: 'x',
    // A request body that must never leak into our errors.
    config: { data: { smtpMsa: { password: 'CANARY-SECRET' } } },
    response: { status, data, headers: new Headers(headers) },
  };
}

function googleError(status: number, reason: string, message = 'msg', apiStatus?: string): unknown {
  return httpError(status, {
    error: { code: status, message, status: apiStatus, errors: [{ domain: 'global', reason, message }] },
  });
}

const ctx: CallContext = {
  method: 'gmail.users.settings.sendAs.create',
  subject: 'user@example.com',
  scopes: ['gmail.settings.basic', 'gmail.settings.sharing'],
  requiredScope: 'gmail.settings.sharing',
  write: true,
  clientId: '1234567890',
  adminCall: false,
};

const facts = (error: unknown) => readFailure(error, 0);

describe('what is retried', () => {
  test.each([429, 500, 502, 503, 504])('HTTP %i is retried', (status) => {
    expect(retryVerdict(facts(googleError(status, 'backendError'))).retry).toBe(true);
  });

  test.each(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded'])('403 %s is retried', (reason) => {
    expect(retryVerdict(facts(googleError(403, reason))).retry).toBe(true);
  });

  test.each([
    [403, 'forbidden'],
    [403, 'insufficientPermissions'],
    [403, 'dailyLimitExceeded'],
    [401, 'authError'],
    [400, 'invalid'],
    [404, 'notFound'],
    [409, 'duplicate'],
    [501, 'notImplemented'],
  ])('HTTP %i %s is not retried', (status, reason) => {
    expect(retryVerdict(facts(googleError(status, reason))).retry).toBe(false);
  });

  test('a 429 carries its Retry-After', () => {
    const verdict = retryVerdict(
      facts(httpError(429, { error: { code: 429, message: 'slow' } }, { 'retry-after': '2' })),
    );
    expect(verdict).toEqual({ retry: true, retryAfterMs: 2000 });
  });

  test('connection resets and timeouts are retried; an unknown failure is not', () => {
    expect(retryVerdict(facts({ name: 'GaxiosError', code: 'ECONNRESET', message: 'socket hang up' })).retry).toBe(
      true,
    );
    expect(retryVerdict(facts({ name: 'AbortError', message: 'The operation was aborted.' })).retry).toBe(true);
    expect(retryVerdict(facts(new TypeError('boom'))).retry).toBe(false);
    // Node's fetch (undici) nests the socket error two causes down.
    const undici = {
      name: 'Error',
      message: 'fetch failed',
      cause: { name: 'TypeError', cause: { name: 'SocketError', code: 'UND_ERR_SOCKET' } },
    };
    expect(facts(undici)).toMatchObject({ network: 'UND_ERR_SOCKET' });
    expect(retryVerdict(facts(undici)).retry).toBe(true);
    expect(
      retryVerdict(facts({ name: 'Error', cause: { name: 'TypeError', cause: { code: 'ECONNREFUSED' } } })).retry,
    ).toBe(false);
  });

  test('OAuth errors of the token endpoint are not retried, its 5xx are', () => {
    expect(retryVerdict(facts(httpError(401, { error: 'unauthorized_client', error_description: 'no' }))).retry).toBe(
      false,
    );
    expect(retryVerdict(facts(httpError(503, 'Service Unavailable'))).retry).toBe(true);
  });
});

describe('error kinds', () => {
  const kindOf = (error: unknown, c: CallContext = ctx) => toAdminApiError(facts(error)!, c).kind;

  test('404 is notFound, 409 and duplicate are alreadyExists', () => {
    expect(kindOf(googleError(404, 'notFound'))).toBe('notFound');
    expect(kindOf(googleError(409, 'alreadyExists'))).toBe('alreadyExists');
    expect(kindOf(googleError(400, 'duplicate'))).toBe('alreadyExists');
    expect(kindOf(httpError(409, { error: { code: 409, message: 'exists', status: 'ALREADY_EXISTS' } }))).toBe(
      'alreadyExists',
    );
  });

  test('failedPrecondition and conditionNotMet are failedPrecondition', () => {
    expect(kindOf(googleError(400, 'failedPrecondition', 'Precondition check failed.', 'FAILED_PRECONDITION'))).toBe(
      'failedPrecondition',
    );
    expect(kindOf(googleError(412, 'conditionNotMet'))).toBe('failedPrecondition');
    expect(kindOf(googleError(400, 'invalidArgument', 'Custom from requires smtpMsa configuration'))).toBe('invalid');
  });

  test('a 403 names the scope the call needs and the delegation grant', () => {
    const error = toAdminApiError(facts(googleError(403, 'insufficientPermissions', 'Insufficient Permission'))!, ctx);
    expect(error.kind).toBe('permission');
    expect(error.code).toBe('MP2001');
    expect(error.message).toMatch(/needs the scope gmail\.settings\.sharing/);
    expect(error.message).toMatch(/client ID 1234567890\) domain-wide delegation grant/);
    expect(error.message).toContain('https://www.googleapis.com/auth/gmail.settings.sharing');
  });

  test('a Directory 403 also says the subject must be an admin', () => {
    const dirCtx = {
      ...ctx,
      method: 'directory.orgunits.insert',
      subject: 'admin@example.com',
      adminCall: true,
      requiredScope: 'admin.directory.orgunit',
    };
    expect(toAdminApiError(facts(googleError(403, 'forbidden'))!, dirCtx).message).toMatch(
      /admin@example\.com must be an admin/,
    );
  });

  test('unauthorized_client from the token endpoint is a permission error naming the scopes asked', () => {
    const error = toAdminApiError(
      facts(
        httpError(401, {
          error: 'unauthorized_client',
          error_description: 'Client is unauthorized to retrieve access tokens',
        }),
      )!,
      ctx,
    );
    expect(error.kind).toBe('permission');
    expect(error.message).toMatch(
      /refused scopes gmail\.settings\.basic, gmail\.settings\.sharing for user@example\.com/,
    );
  });

  test('invalid_grant from the token endpoint is a credentials error (MP2000)', () => {
    const error = toAdminApiError(
      facts(httpError(400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' }))!,
      ctx,
    );
    expect(error.kind).toBe('credentials');
    expect(error.code).toBe('MP2000');
    expect(error.message).toMatch(/user@example\.com is a user of the domain/);
  });

  test('a policy write refused as not mutate-supported is policyWriteRefused', () => {
    const policyCtx = {
      ...ctx,
      method: 'cloudidentity.policies.create',
      adminCall: true,
      requiredScope: 'cloud-identity.policies',
    };
    const error = toAdminApiError(
      facts(
        googleError(
          400,
          'badRequest',
          'Setting type settings/gmail.per_user_outbound_gateway is not mutate supported',
          'INVALID_ARGUMENT',
        ),
      )!,
      policyCtx,
    );
    expect(error.kind).toBe('policyWriteRefused');
    expect(error.code).toBe('MP2006');
    expect(error.message).toMatch(/Admin console/);
  });

  test('retries exhausted names the last failure', () => {
    const error = exhaustedError(facts(googleError(503, 'backendError', 'Backend Error')), ctx, 7, 118_000);
    expect(error.kind).toBe('retriesExhausted');
    expect(error.message).toMatch(/gave up after 7 attempts in 118 s; last failure 503 backendError: Backend Error/);
  });

  test('no error ever carries the request body', () => {
    for (const e of [googleError(400, 'invalid'), googleError(403, 'forbidden'), googleError(503, 'backendError')]) {
      const mapped = toAdminApiError(facts(e)!, ctx);
      expect(JSON.stringify({ m: mapped.message, d: mapped.details, s: mapped.stack })).not.toContain('CANARY-SECRET');
    }
  });
});
