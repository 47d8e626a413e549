import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { compositeScore } from '../../src/digest/rates.ts';

/** RANKING_WEIGHTS that cannot make a score (all zero, or digits too long to be a number) are refused at start. */
describe('RANKING_WEIGHTS', () => {
  const parse = (value: string) => () => parseConfig({ RANKING_WEIGHTS: value, LOG_LEVEL: 'silent' });

  it.each([
    { label: '0,0,0', value: '0,0,0' },
    { label: '0.0,0,0.00', value: '0.0,0,0.00' },
    { label: 'a 401-digit weight (Infinity)', value: `1${'0'.repeat(400)},0,0` },
  ])('refuses $label with one line naming the variable', ({ value }) => {
    expect(parse(value)).toThrow(ConfigError);
    expect(parse(value)).toThrow(/^RANKING_WEIGHTS: expected at least one weight above 0, such as 30,35,35 \(got "[^"\n]*"\)$/);
  });

  it('still takes weights where some are zero, as fractions that sum to 1', () => {
    expect(parseConfig({ RANKING_WEIGHTS: '0,0,5' }).digest.weights).toEqual({ response: 0, resolution: 0, satisfaction: 1 });
  });

  it('the composite is never NaN, whatever weights reach it', () => {
    const rates = { response: 1, resolution: 0.5, satisfaction: 0.25 };
    for (const weights of [
      { response: Number.NaN, resolution: Number.NaN, satisfaction: Number.NaN },
      { response: Number.POSITIVE_INFINITY, resolution: 0.5, satisfaction: 0.5 },
      { response: -1, resolution: 0.5, satisfaction: 0.5 },
      { response: 0, resolution: 0, satisfaction: 0 },
    ]) {
      const score = compositeScore(rates, weights);
      expect(score === null || (Number.isFinite(score) && score >= 0 && score <= 100), JSON.stringify(weights)).toBe(true);
    }
    // The usable weights still count: resolution and satisfaction half each.
    expect(compositeScore(rates, { response: Number.POSITIVE_INFINITY, resolution: 0.5, satisfaction: 0.5 })).toBeCloseTo(37.5, 9);
  });
});
