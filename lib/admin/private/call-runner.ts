/**
 * Runs one API call with everything the client promises: least-privilege token per call family, client-side
 * rate limits, bounded concurrency, retry with backoff and a deadline, error mapping, and counters.
 */
import type { JWT } from 'google-auth-library';
import { AdminApiError } from '../admin-error';
import { acquire, BucketMap, TokenBucket, type BucketCharge } from '../rate-limiter';
import { runWithRetry, type RetryEnvironment, type RetryOptions } from '../retry';
import { familyScopes, METHODS, requiredScope, scopeName, type GmailReadScope, type MethodId } from '../scopes';
import type { AccessLevel, AdminStats } from '../workspace-admin';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from '../workspace-admin-options';
import { Semaphore } from '../../util/concurrency';
import type { AuthClientCache } from './auth-clients';
import { exhaustedError, readFailure, retryVerdict, toAdminApiError, type CallContext } from './error-mapping';

export interface CallRunnerProps {
  readonly access: AccessLevel;
  /** The scope send-as reads use at read access. @default 'basic' */
  readonly gmailReadScope?: GmailReadScope;
  readonly auth: AuthClientCache;
  readonly clientId?: string;
  readonly concurrency: number;
  readonly rateLimit: RateLimitOptions;
  readonly retry: RetryOptions;
  readonly env: RetryEnvironment;
}

/** A call made ready by `CallRunner.prepare`. */
export interface PreparedCall {
  readonly ctx: CallContext;
  readonly auth: JWT;
  readonly charges: readonly BucketCharge[];
}

export class CallRunner {
  private readonly semaphore: Semaphore;
  private readonly gmailProject: TokenBucket;
  private readonly gmailUsers: BucketMap;
  private readonly directory: TokenBucket;
  private readonly policy: TokenBucket;
  private readonly calls: Record<string, number> = {};
  private readonly retries: Record<string, number> = {};

  public constructor(private readonly props: CallRunnerProps) {
    this.semaphore = new Semaphore(props.concurrency);
    const limits = { ...DEFAULT_RATE_LIMITS, ...props.rateLimit };
    const clock = props.env;
    const bucket = (unitsPerMinute: number): TokenBucket =>
      new TokenBucket({ unitsPerMinute, burstSeconds: limits.burstSeconds }, clock);
    this.gmailProject = bucket(limits.gmailUnitsPerMinute);
    this.gmailUsers = new BucketMap(
      { unitsPerMinute: limits.gmailUserUnitsPerMinute, burstSeconds: limits.burstSeconds },
      clock,
    );
    this.directory = bucket(limits.directoryQueriesPerMinute);
    this.policy = bucket(limits.policyQueriesPerMinute);
  }

  public stats(): AdminStats {
    return { calls: { ...this.calls }, retries: { ...this.retries } };
  }

  /** Calls `fn` as `subject` with the token of the method's family; maps every failure to `AdminApiError`. */
  public async run<T>(method: MethodId, subject: string, fn: (auth: JWT) => Promise<T>): Promise<T> {
    const { ctx, auth, charges } = this.prepare(method, subject);
    return this.retrying(
      ctx,
      async () => {
        await acquire(charges, this.props.env);
        return this.semaphore.run(async () => {
          this.count(method);
          return fn(auth);
        });
      },
      () => this.countRetry(method),
    );
  }

  /** Runs `op` under the client's retry policy; every failure comes out as the `AdminApiError` for `ctx`. */
  private async retrying<T>(ctx: CallContext, op: () => Promise<T>, onRetry?: () => void): Promise<T> {
    const env = this.props.env;
    try {
      return await runWithRetry(op, {
        retry: this.props.retry,
        env,
        classify: (error) => retryVerdict(readFailure(error, env.now())),
        onRetry,
        giveUp: ({ lastError, attempts, elapsedMs }) =>
          exhaustedError(readFailure(lastError, env.now()), ctx, attempts, elapsedMs),
      });
    } catch (error) {
      throw this.mapError(error, ctx);
    }
  }

  /**
   * What one call as `subject` needs: its error context, its delegated client and its rate-limit charges.
   * Throws `permission` for a write through a read-access client.
   */
  public prepare(method: MethodId, subject: string): PreparedCall {
    const info = METHODS[method];
    const scopes = familyScopes(info.family, this.props.access, this.props.gmailReadScope);
    const ctx: CallContext = {
      method,
      subject,
      scopes: scopes.map(scopeName),
      requiredScope: requiredScope(method, this.props.access, this.props.gmailReadScope),
      write: info.write,
      clientId: this.props.clientId,
      adminCall: info.family !== 'sendAs',
    };
    if (info.write && this.props.access === 'read') {
      throw new AdminApiError(
        'permission',
        method,
        `this client was created with read access and asks only read-only scopes; ${method} needs write access (scope ${info.scope})`,
      );
    }
    return { ctx, auth: this.props.auth.get(subject, scopes), charges: this.charges(method, subject) };
  }

  /** The delegated access token of a prepared call, fetched (retried like a call) in one concurrency slot. */
  public async accessToken(call: PreparedCall): Promise<string> {
    return this.retrying(call.ctx, async () => {
      const { token } = await this.semaphore.run(() => call.auth.getAccessToken());
      if (!token) throw new AdminApiError('credentials', call.ctx.method, 'the token endpoint returned no token');
      return token;
    });
  }

  /**
   * Runs `fn` holding one of the client's concurrency slots (one HTTP request in flight); `first` goes ahead of
   * waiting calls (a batch whose tokens are ready, so token exchanges queued behind it do not starve it).
   */
  public slot<T>(fn: () => Promise<T>, first = false): Promise<T> {
    return this.semaphore.run(fn, first);
  }

  public count(method: MethodId): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  public countRetry(method: MethodId): void {
    this.retries[method] = (this.retries[method] ?? 0) + 1;
  }

  public get retryOptions(): RetryOptions {
    return this.props.retry;
  }

  public get env(): RetryEnvironment {
    return this.props.env;
  }

  public get concurrency(): number {
    return this.props.concurrency;
  }

  /** Any failure of a call as the `AdminApiError` its caller sees. */
  public mapError(error: unknown, ctx: CallContext): AdminApiError {
    if (AdminApiError.isAdminApiError(error)) return error;
    const facts = readFailure(error, this.props.env.now());
    if (facts) return toAdminApiError(facts, ctx);
    // Not an HTTP failure: a key the library cannot sign with, or a bug. Only the message is kept (never the
    // request options, which may hold a request body).
    const message = error instanceof Error ? error.message : String(error);
    if (/private key|PEM|DECODER|asn1|no key or keyFile/i.test(message)) {
      return new AdminApiError(
        'credentials',
        ctx.method,
        `cannot sign a token request with the service-account key (${message})`,
      );
    }
    return new AdminApiError('invalid', ctx.method, `unexpected failure: ${message.slice(0, 300)}`);
  }

  private charges(method: MethodId, subject: string): BucketCharge[] {
    const info = METHODS[method];
    switch (info.family) {
      case 'sendAs':
        return [
          { bucket: this.gmailProject, cost: info.cost },
          { bucket: this.gmailUsers.get(subject.toLowerCase()), cost: info.cost },
        ];
      case 'policies':
        return [{ bucket: this.policy, cost: info.cost }];
      default:
        return [{ bucket: this.directory, cost: info.cost }];
    }
  }
}
