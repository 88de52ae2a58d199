import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { pipelineRetry } from '../../src/jobs/retry-policy.js';

describe('PIPELINE_RETRY', () => {
  it('keeps the defaults for stages it does not name and overrides the named ones', () => {
    const policy = pipelineRetry(' trim=5:1000 , PUBLISH=2:30000 ');
    expect(policy.TRIM).toEqual({ attempts: 5, backoffMs: 1000 });
    expect(policy.PUBLISH).toEqual({ attempts: 2, backoffMs: 30000 });
    expect(policy.DOWNLOAD).toEqual({ attempts: 4, backoffMs: 600_000 });
  });

  it('refuses unknown stages, zero attempts and other shapes, naming the setting', () => {
    for (const bad of ['render=2:10', 'trim=0:10', 'trim=2', 'trim:2:10']) {
      expect(() => pipelineRetry(bad)).toThrow(/PIPELINE_RETRY/);
    }
  });

  it('reaches the configuration', () => {
    expect(loadConfig({ ...process.env, PIPELINE_RETRY: 'topics=1:0' }).pipeline.retry.TOPICS).toEqual({ attempts: 1, backoffMs: 0 });
  });
});
