/**
 * Admin SDK Directory API: domains.list — the customer's domains, the first seeded one primary. Read only: the
 * seed is the only way to add a domain.
 */
import { ok, type Handler } from './call-context';
import { checkCustomer, etag } from './orgunits-api';

const domainList: Handler = (ctx) => {
  checkCustomer(ctx, ctx.params.customer);
  const domains = ctx.store.domains().map((domainName, index) => {
    const body = { kind: 'admin#directory#domain', domainName, isPrimary: index === 0, verified: true };
    return { ...body, etag: etag(body) };
  });
  return ok({
    kind: 'admin#directory#domains',
    etag: etag(domains.map((d) => d.etag)),
    ...(domains.length ? { domains } : {}),
  });
};

export const DOMAIN_HANDLERS: Readonly<Record<string, Handler>> = {
  'directory.domains.list': domainList,
};
