import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition.js';

// The reader the metrics tests rely on must itself reject what Prometheus would reject.
describe('parseExposition', () => {
  it('reads families, labels and values', () => {
    const families = parseExposition(
      [
        '# HELP a_total Things.',
        '# TYPE a_total counter',
        'a_total{namespace="/prices",event="x\\"y"} 3',
        '# HELP b_seconds Time.',
        '# TYPE b_seconds histogram',
        'b_seconds_bucket{le="+Inf"} 1',
        'b_seconds_sum 0.5',
        'b_seconds_count 1',
        '',
      ].join('\n'),
    );
    expect(families.get('a_total')?.samples).toEqual([
      { name: 'a_total', labels: { namespace: '/prices', event: 'x"y' }, value: 3 },
    ]);
    expect(families.get('b_seconds')?.type).toBe('histogram');
  });

  it.each([
    ['a sample without a family', 'a_total 1'],
    ['a TYPE without its HELP', '# TYPE a gauge'],
    ['a bad metric name', '# HELP a A.\n# TYPE a gauge\n1a 1'],
    ['an unquoted label', '# HELP a A.\n# TYPE a gauge\na{x=1} 1'],
    ['a missing value', '# HELP a A.\n# TYPE a gauge\na{x="1"}'],
    ['a sample of another family', '# HELP a A.\n# TYPE a gauge\nb 1'],
    ['a family declared twice', '# HELP a A.\n# TYPE a gauge\n# HELP a A.'],
  ])('rejects %s', (_why, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
