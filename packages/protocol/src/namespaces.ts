export const Namespaces = {
  prices: '/prices',
  market: '/market',
  user: '/user',
  admin: '/admin',
} as const;

export type NamespaceName = (typeof Namespaces)[keyof typeof Namespaces];
// Pure: a bundler may drop it when unused, also inside a lazily loaded (wrapped) module.
export const NAMESPACE_NAMES: readonly NamespaceName[] = /* @__PURE__ */ Object.values(Namespaces);

export function isNamespaceName(value: unknown): value is NamespaceName {
  return typeof value === 'string' && (NAMESPACE_NAMES as readonly string[]).includes(value);
}
