import { spawn } from 'node:child_process';
import { config } from '../config.js';

// The one place that starts ffmpeg and ffprobe processes. fluent-ffmpeg was considered and left out:
// it is archived upstream (2025) and we need only argument arrays, `-progress` parsing and stderr lines,
// which this file does with plain child processes (no shell, so file names are never interpreted).

/** ffmpeg or ffprobe failed: exit code, the command and the end of its error output. */
export class MediaToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
    readonly args: readonly string[],
  ) {
    super(`${tool} failed (${exitCode === null ? 'killed' : `exit ${exitCode}`}): ${stderrTail.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
    this.name = 'MediaToolError';
  }
}

export interface MediaProgress {
  /** 0…1 of the expected output duration (1 once ffmpeg reports the end). */
  fraction: number;
  /** Media time written so far, in seconds. */
  outTimeSec: number;
  /** Processing speed as a multiple of real time, when ffmpeg reports it. */
  speed: number | null;
}

export type ProgressListener = (progress: MediaProgress) => void;

export interface FfmpegRunOptions {
  /** Expected output duration; without it `fraction` stays 0 until the end. */
  durationSec?: number;
  onProgress?: ProgressListener;
  /** Every stderr line (filters such as silencedetect report there). */
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
}

const STDERR_TAIL_LINES = 40;

interface ToolRun {
  stdout: string;
  stderrTail: string;
}

function runTool(
  tool: 'ffmpeg' | 'ffprobe',
  args: readonly string[],
  handlers: { onStdoutLine?: (line: string) => void; onStderrLine?: (line: string) => void; keepStdout: boolean; signal?: AbortSignal },
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const binary = tool === 'ffmpeg' ? config.media.ffmpegPath : config.media.ffprobePath;
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: handlers.signal });
    const stdoutChunks: Buffer[] = [];
    const tail: string[] = [];
    const lines = (onLine: (line: string) => void) => {
      let pending = '';
      return (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const parts = pending.split(/\r?\n|\r/);
        pending = parts.pop() ?? '';
        for (const line of parts) if (line) onLine(line);
      };
    };
    const onStderr = lines((line) => {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      handlers.onStderrLine?.(line);
    });
    child.stderr.on('data', onStderr);
    const onStdoutLine = handlers.onStdoutLine;
    child.stdout.on('data', (chunk: Buffer) => {
      if (handlers.keepStdout) stdoutChunks.push(chunk);
    });
    if (onStdoutLine) child.stdout.on('data', lines(onStdoutLine));
    child.on('error', (error) => reject(error));
    child.on('close', (code) => {
      // A final line without a newline still counts.
      onStderr(Buffer.from('\n'));
      const stderrTail = tail.join('\n');
      if (code === 0) resolve({ stdout: Buffer.concat(stdoutChunks).toString('utf8'), stderrTail });
      else reject(new MediaToolError(tool, code, stderrTail, args));
    });
  });
}

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs; `-y` and logging flags are added here) and reports
 * progress from `-progress pipe:1`.
 */
export async function runFfmpeg(args: readonly string[], options: FfmpegRunOptions = {}): Promise<{ stderrTail: string }> {
  const { durationSec, onProgress } = options;
  let outTimeSec = 0;
  let speed: number | null = null;
  const onStdoutLine = onProgress
    ? (line: string) => {
        const eq = line.indexOf('=');
        if (eq < 0) return;
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1).trim();
        if (key === 'out_time_us' || key === 'out_time_ms') {
          // Both are microseconds (out_time_ms is misnamed); N/A before the first frame.
          const us = Number(value);
          if (Number.isFinite(us) && us >= 0) outTimeSec = us / 1e6;
        } else if (key === 'speed') {
          const parsed = Number.parseFloat(value);
          speed = Number.isFinite(parsed) ? parsed : null;
        } else if (key === 'progress') {
          const done = value === 'end';
          const fraction = done ? 1 : durationSec && durationSec > 0 ? Math.min(0.999, outTimeSec / durationSec) : 0;
          onProgress({ fraction, outTimeSec, speed });
        }
      }
    : undefined;
  const fullArgs = ['-hide_banner', '-nostdin', '-nostats', ...(onProgress ? ['-progress', 'pipe:1'] : []), '-y', ...args];
  const { stderrTail } = await runTool('ffmpeg', fullArgs, {
    onStdoutLine,
    onStderrLine: options.onStderrLine,
    keepStdout: false,
    signal: options.signal,
  });
  return { stderrTail };
}

/** Runs ffprobe and returns its standard output (callers ask for JSON or CSV). */
export async function runFfprobe(args: readonly string[], signal?: AbortSignal): Promise<string> {
  const { stdout } = await runTool('ffprobe', ['-hide_banner', '-v', 'error', ...args], { keepStdout: true, signal });
  return stdout;
}

/** Seconds as ffmpeg reads them, with millisecond precision and no exponent notation. */
export function ffTime(seconds: number): string {
  return Math.max(0, seconds).toFixed(3);
}
