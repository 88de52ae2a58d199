import { describe, expect, it } from 'vitest';
import { configOverridesSchema, outputConfigSchema, processingConfigSchema, processingLayerSchema } from '../../src/modules/config/config-schemas.js';
import { deepMerge, mergeLayers, mergePatch } from '../../src/modules/config/merge.js';

describe('deep merge of configuration layers', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]> = [
    ['objects merge key by key', { a: { x: 1, y: 2 } }, { a: { y: 3, z: 4 } }, { a: { x: 1, y: 3, z: 4 } }],
    ['nested objects merge at every depth', { a: { b: { c: 1, d: 1 } } }, { a: { b: { d: 2 } } }, { a: { b: { c: 1, d: 2 } } }],
    ['lists replace, never concatenate', { list: [1, 2, 3] }, { list: [4] }, { list: [4] }],
    ['an empty list replaces too', { list: [1, 2] }, { list: [] }, { list: [] }],
    ['null never overwrites', { a: 1, b: { c: 2 } }, { a: null, b: null }, { a: 1, b: { c: 2 } }],
    ['null inside an object never overwrites', { b: { c: 2, d: 3 } }, { b: { c: null, d: 4 } }, { b: { c: 2, d: 4 } }],
    ['undefined never overwrites', { a: 1 }, { a: undefined }, { a: 1 }],
    ['false and 0 and "" do overwrite', { a: true, b: 5, c: 'x' }, { a: false, b: 0, c: '' }, { a: false, b: 0, c: '' }],
    ['a scalar replaces an object', { a: { x: 1 } }, { a: 'flat' }, { a: 'flat' }],
    ['an object replaces a scalar', { a: 'flat' }, { a: { x: 1 } }, { a: { x: 1 } }],
    ['an object replaces a list', { a: [1] }, { a: { x: 1 } }, { a: { x: 1 } }],
    ['new keys are added', {}, { a: { b: 1 } }, { a: { b: 1 } }],
    ['an empty override changes nothing', { a: { b: 1 } }, {}, { a: { b: 1 } }],
  ];
  it.each(cases)('%s', (_label, base, override, expected) => {
    expect(deepMerge(base, override)).toEqual(expected);
  });

  it('does not modify its inputs or share nested objects with the override', () => {
    const base = { a: { x: 1 } };
    const override = { a: { y: 2 }, list: [{ k: 1 }] };
    const merged = deepMerge(base, override);
    expect(base).toEqual({ a: { x: 1 } });
    (merged.list as Array<{ k: number }>)[0]!.k = 99;
    expect(override.list[0]?.k).toBe(1);
  });

  it('merges any number of layers, later ones winning', () => {
    expect(mergeLayers([{ a: 1, b: { c: 1 } }, null, { b: { c: 2, d: [1] } }, undefined, { b: { d: [2, 3] }, e: null }])).toEqual({ a: 1, b: { c: 2, d: [2, 3] } });
  });
});

describe('merge patch of the recording-override layer (RFC 7386)', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]> = [
    ['objects merge', { a: { x: 1 } }, { a: { y: 2 } }, { a: { x: 1, y: 2 } }],
    ['null removes a key', { a: { x: 1, y: 2 } }, { a: { x: null } }, { a: { y: 2 } }],
    ['removing the last key removes the object', { a: { x: 1 }, b: 1 }, { a: { x: null } }, { b: 1 }],
    ['lists replace', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['scalars replace', { a: 1 }, { a: 2 }, { a: 2 }],
  ];
  it.each(cases)('%s', (_label, target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe('configuration schemas', () => {
  it('fill every processing default from an empty layer', () => {
    expect(processingConfigSchema.parse({})).toEqual({
      trimming: { enabled: true, mode: 'edges', silenceThresholdDb: -40, minSilenceSeconds: 2, paddingBeforeSeconds: 5, paddingAfterSeconds: 5, pausePreset: 'lecture' },
      transcription: { enabled: true, language: 'auto', vocabulary: [], allowErrors: false },
      topics: { enabled: true, granularity: 'long', questionsCount: 3 },
      subtitles: { enabled: true, formats: ['srt', 'vtt'] },
      poster: { enabled: true },
    });
    expect(outputConfigSchema.parse({})).toEqual({ presetIds: [], autoUpload: false, uploadCaptions: true });
  });

  it('accept partial layers with nulls and refuse unknown keys and wrong types', () => {
    expect(processingLayerSchema.safeParse({ trimming: { enabled: false, mode: null } }).success).toBe(true);
    const typo = processingLayerSchema.safeParse({ triming: {} });
    expect(typo.error?.issues[0]?.message).toMatch(/Unrecognized key/);
    const wrong = processingLayerSchema.safeParse({ trimming: { silenceThresholdDb: 5 } });
    expect(wrong.error?.issues[0]?.path).toEqual(['trimming', 'silenceThresholdDb']);
    const overrides = configOverridesSchema.safeParse({ outputConfig: { presetIds: ['a', 'a'] } });
    expect(overrides.error?.issues[0]?.message).toBe('Output presets must not repeat');
  });
});
