import type { Stage } from '../../generated/prisma/enums.js';
import { logger } from '../../lib/logger.js';
import type { PipelineState } from './pipeline-state.js';

/** At most this many progress events per second and step (SPEC §6). */
export const MAX_PROGRESS_EVENTS_PER_SECOND = 4;

/**
 * Coalesces a running step's progress: whatever a stage reports, at most one write + event per
 * 250 ms leaves, always the latest figure, and never a figure lower than one already sent. One
 * write is in flight at a time and the next starts at least 250 ms after it started, so a slow
 * database delays events instead of bunching them.
 */
export class ProgressReporter {
  private readonly intervalMs = 1000 / MAX_PROGRESS_EVENTS_PER_SECOND;
  private lastSentAt = -Infinity;
  private sentPercent = -1;
  private latest: { percent: number; message: string | null } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly state: PipelineState,
    private readonly target: { tenantId: string; runId: string; stage: Stage },
    private readonly now: () => number = Date.now,
  ) {}

  /** `fraction` in 0…1 of the whole stage. */
  report = (fraction: number, message?: string): void => {
    if (this.closed) return;
    const percent = Math.max(0, Math.min(99, Math.floor(fraction * 100)));
    if (percent <= this.sentPercent && message === undefined) return;
    this.latest = { percent: Math.max(percent, this.sentPercent), message: message ?? this.latest?.message ?? null };
    this.schedule();
  };

  private schedule(): void {
    if (this.closed || this.inFlight || this.timer || !this.latest) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.send();
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.send();
      }, wait);
    }
  }

  private send(): void {
    const update = this.latest;
    if (!update || this.closed) return;
    this.latest = null;
    this.lastSentAt = this.now();
    this.sentPercent = update.percent;
    const { tenantId, runId, stage } = this.target;
    this.inFlight = this.state
      .updateStep(tenantId, runId, stage, { progress: update.percent, message: update.message }, { progressOnly: true })
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error, runId, stage }, 'could not record progress'),
      )
      .finally(() => {
        this.inFlight = null;
        this.schedule();
      });
  }

  /** Drops what is not sent yet and waits for a write in flight: the step's final state comes next. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
