import { Repeater } from '@graphql-yoga/subscription';
import type { Redis } from 'ioredis';
import { logger } from '../../lib/logger.js';
import { eventKey, type PipelineEvent } from './events.js';

type Listener = (event: PipelineEvent) => void;

export interface Snapshot {
  events: PipelineEvent[];
  /** The highest seq the snapshot already reflects, per step (`eventKey`). */
  seen: Map<string, number>;
}

/**
 * The API side of progress events: one Redis subscriber connection per process, shared by every
 * subscription, with channels subscribed while someone listens. `watch` subscribes first, waits
 * for Redis to confirm, then reads the snapshot, so no event falls between the two.
 */
export class ProgressHub {
  private subscriber: Redis | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();

  constructor(private readonly connect: () => Redis) {}

  private connection(): Redis {
    if (!this.subscriber) {
      const subscriber = this.connect();
      subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private dispatch(channel: string, message: string): void {
    const listeners = this.listeners.get(channel);
    if (!listeners) return;
    let event: PipelineEvent;
    try {
      event = JSON.parse(message) as PipelineEvent;
    } catch {
      logger.warn({ channel }, 'ignored a malformed pipeline event');
      return;
    }
    for (const listener of listeners) listener(event);
  }

  /** Starts delivering the channel's events to `listener`; resolves once Redis has subscribed. */
  async listen(channel: string, listener: Listener): Promise<() => void> {
    const redis = this.connection();
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      this.subscribed.set(channel, redis.subscribe(channel));
    }
    listeners.add(listener);
    await this.subscribed.get(channel);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(channel) === listeners) {
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
        redis.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  /**
   * The snapshot's events, then every live event on `channel` that is newer than what the snapshot
   * (or an earlier live event) showed for its step and that `accept` lets through.
   */
  watch(channel: string, loadSnapshot: () => Promise<Snapshot>, accept: (event: PipelineEvent) => boolean): AsyncIterable<PipelineEvent> {
    return new Repeater<PipelineEvent>(async (push, stop) => {
      const buffered: PipelineEvent[] = [];
      let seen: Map<string, number> | null = null;
      const deliver = (event: PipelineEvent) => {
        if (!seen || !accept(event)) return;
        const key = eventKey(event);
        if (event.seq <= (seen.get(key) ?? 0)) return;
        seen.set(key, event.seq);
        void push(event);
      };
      const unlisten = await this.listen(channel, (event) => (seen ? deliver(event) : buffered.push(event)));
      try {
        const snapshot = await loadSnapshot();
        for (const event of snapshot.events) await push(event);
        seen = snapshot.seen;
        for (const event of buffered.splice(0)) deliver(event);
      } catch (error) {
        unlisten();
        stop(error);
        return;
      }
      await stop;
      unlisten();
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscribed.clear();
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
