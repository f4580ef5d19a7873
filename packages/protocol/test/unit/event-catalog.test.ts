import {
  inboundValidators,
  NAMESPACE_NAMES,
  NamespaceEventCatalog,
  PUBLISHABLE_EVENT_NAMES,
  PublishableEvents,
} from '@ws/protocol';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';

type Spec = { payload: TSchema; ack?: TSchema };

describe('NamespaceEventCatalog', () => {
  it('covers every namespace', () => {
    expect(Object.keys(NamespaceEventCatalog).sort()).toEqual([...NAMESPACE_NAMES].sort());
  });

  it('uses the compiled inbound validators’ schemas for every client→server event, and nothing else', () => {
    for (const ns of NAMESPACE_NAMES) {
      const validators = { ...inboundValidators.common, ...inboundValidators[ns] } as Record<
        string,
        { schema: TSchema }
      >;
      const events = NamespaceEventCatalog[ns].clientToServer as Record<string, Spec>;
      expect(Object.keys(events).sort(), ns).toEqual(Object.keys(validators).sort());
      for (const [event, spec] of Object.entries(events)) {
        expect(spec.payload, `${ns} ${event}`).toBe(validators[event]!.schema);
        expect(spec.ack, `${ns} ${event} has an ack schema`).toBeDefined();
      }
    }
  });

  it('lists every publishable event on its namespace with its wire schema', () => {
    for (const name of PUBLISHABLE_EVENT_NAMES) {
      const def = PublishableEvents[name];
      const namespaces = def.namespace === 'all' ? NAMESPACE_NAMES : [def.namespace];
      for (const ns of namespaces) {
        const spec = (NamespaceEventCatalog[ns].serverToClient as Record<string, Spec>)[name];
        expect(spec?.payload, `${ns} ${name}`).toBe(def.schema);
      }
    }
  });
});
