// PIPELINE_RETRY (`stage=attempts:backoffMs,…`) read into a retry policy per pipeline stage; the
// configuration module calls it, the job table (definitions.ts) uses the result.

const STAGE_NAMES = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER', 'PUBLISH'] as const;
export type RetryPolicy = { attempts: number; backoffMs: number };

/** Defaults from the original (inventory §2.2): attempts = retries + 1. */
const DEFAULT_RETRY: Record<(typeof STAGE_NAMES)[number], RetryPolicy> = {
  DOWNLOAD: { attempts: 4, backoffMs: 600_000 },
  TRIM: { attempts: 3, backoffMs: 180_000 },
  TRANSCRIBE: { attempts: 3, backoffMs: 180_000 },
  TOPICS: { attempts: 3, backoffMs: 180_000 },
  SUBTITLES: { attempts: 3, backoffMs: 180_000 },
  POSTER: { attempts: 3, backoffMs: 180_000 },
  PUBLISH: { attempts: 6, backoffMs: 600_000 },
};

export function pipelineRetry(spec: string): Record<(typeof STAGE_NAMES)[number], RetryPolicy> {
  const policy = { ...DEFAULT_RETRY };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z]+)=(\d+):(\d+)$/i.exec(part);
    const stage = match?.[1]?.toUpperCase() as (typeof STAGE_NAMES)[number] | undefined;
    if (!match || !stage || !STAGE_NAMES.includes(stage) || Number(match[2]) < 1) {
      throw new Error(`Invalid configuration:\n  PIPELINE_RETRY: "${part}" is not stage=attempts:backoffMs (stages: ${STAGE_NAMES.join(', ').toLowerCase()})`);
    }
    policy[stage] = { attempts: Number(match[2]), backoffMs: Number(match[3]) };
  }
  return policy;
}
