import { renderJson, renderMarkdown, renderText } from '../../lib/engine/render';
import type { Manifest } from '../../lib/model/manifest';
import type { SendAsObject } from '../../lib/state/stack-state';
import { observedFrom } from './helpers/converged';
import { partnerManifest, plan } from './helpers/scenario';

const ID = 'sendAs:alice@example.com/alice@partner.com';

describe('where SMTP secrets come from', () => {
  test('a changed reference (env:A → file:…) is shown in every plan format, never a value, and the credential is sent', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const recorded = state.objects[ID] as SendAsObject;
    const applied = {
      ...state,
      objects: {
        ...state.objects,
        [ID]: { ...recorded, credentials: { ...recorded.credentials!, passwordRef: 'env:SMTP_PASSWORD' } },
      },
    };
    const moved: Manifest = {
      ...m,
      sendAs: [{ ...m.sendAs[0], smtp: { ...m.sendAs[0].smtp!, password: { ref: 'file:secrets/relay.txt' } } }],
    };
    const p = plan(moved, observed, applied);
    expect(p.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        write: { fields: ['smtpMsa'] },
        attributes: expect.arrayContaining([
          {
            name: 'smtp.password.source',
            before: 'env:SMTP_PASSWORD',
            after: 'file:secrets/relay.txt',
            codeOnly: true,
          },
          { name: 'smtp.password', sensitive: true },
        ]),
      }),
    ]);
    expect(renderText(p)).toContain('~ smtp.password.source: "env:SMTP_PASSWORD" → "file:secrets/relay.txt"');
    expect(renderMarkdown(p)).toContain('smtp.password.source: "env:SMTP_PASSWORD" → "file:secrets/relay.txt"');
    expect(renderJson(p)).toContain('"before": "env:SMTP_PASSWORD"');
    for (const text of [renderText(p), renderMarkdown(p), renderJson(p)]) expect(text).not.toContain('value-of-');
  });

  test('the same reference as recorded plans nothing', () => {
    const m = partnerManifest();
    const { observed, state } = observedFrom(m);
    const recorded = state.objects[ID] as SendAsObject;
    const applied = {
      ...state,
      objects: {
        ...state.objects,
        [ID]: { ...recorded, credentials: { ...recorded.credentials!, passwordRef: 'env:SMTP_PASSWORD' } },
      },
    };
    expect(plan(m, observed, applied).changes).toEqual([]);
  });
});
