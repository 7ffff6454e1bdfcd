import { describe, expect, it } from 'vitest';
import { renderSuggestions } from '../src/suggest.ts';

const answer = {
  comparison: 'orders',
  pairs: 300,
  discrepancies: 300,
  suggestions: [
    { rule: 'ignore', path: 'eventId', yaml: 'compare:\n  ignore: ["eventId"]\n', because: 'eventId holds a generated identifier that differs between the two runs', differences: 300 },
    { rule: 'tolerance', path: 'total', yaml: 'compare:\n  tolerance:\n    total: { relative: 1e-9 }\n', because: 'total differs only by floating-point noise', differences: 30 },
  ],
  yaml: 'compare:\n  ignore: ["eventId"]\n  tolerance:\n    total: { relative: 1e-9 }\n',
  resolvedByAll: 180,
  noise: [{ path: 'eventId', share: 1, reason: 'eventId differs in 100 % of pairs, with generated identifiers on both sides' }],
};

describe('shadowdiff suggest', () => {
  it('prints the evidence as comments and the rules as YAML to merge', () => {
    const text = renderSuggestions(answer);
    const rules = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rules.join('\n')).toBe(answer.yaml.trimEnd());
    expect(text).toContain('#   ignore eventId: eventId holds a generated identifier that differs between the two runs (300 discrepancies)');
    expect(text).toContain('# Together they would turn 180 of 300 discrepancies into matches.');
  });

  it('says when there is nothing to suggest', () => {
    expect(renderSuggestions({ ...answer, suggestions: [], yaml: '', noise: [] })).toContain('# No rule to suggest');
  });

  it('a hostile API cannot end a comment line and slip YAML in, nor reach the terminal with controls', () => {
    const evil = 'x\nignore: ["**"]\u001b[2J\u202e';
    const text = renderSuggestions({
      ...answer,
      comparison: evil,
      pairs: evil as unknown as number,
      resolvedByAll: evil as unknown as number,
      noise: [{ path: evil, share: 1, reason: evil }],
      suggestions: [{ ...answer.suggestions[0]!, rule: evil, path: evil, because: evil, differences: evil as unknown as number }],
      // As the API writes a path from the traffic: JSON-quoted (the API decides the rules it prints).
      yaml: `compare:\n  ignore: [${JSON.stringify(evil)}]\n`,
    });
    expect(text.split('\n').filter((l) => l.startsWith('ignore'))).toEqual([]);
    // eslint-disable-next-line no-control-regex -- the point is to find them
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });
});
