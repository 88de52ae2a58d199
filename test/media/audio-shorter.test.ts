import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSilence, planKeptRanges, probeMedia, resolveTrimOptions, runFfmpeg } from '../../src/media/index.js';
import { mediaScratch } from '../support/media.js';

// Screen recordings often carry an audio stream that stops a little before the video. A silence that
// runs to the end of the audio is trailing silence, even though the file goes on.

let scratch: Awaited<ReturnType<typeof mediaScratch>>;
let file: string;

beforeAll(async () => {
  scratch = await mediaScratch('audio-shorter');
  file = path.join(scratch.dir, 'audio-shorter.mp4');
  // Video 30 s; audio 27 s with sound from 8 to 16 s, then silence to its end.
  await runFfmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=15:d=30',
    '-f', 'lavfi', '-i', "aevalsrc='between(t,8,16)*0.3*sin(2*PI*440*t)':s=48000:d=27",
    '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file,
  ]);
});
afterAll(() => scratch.cleanup());

describe('trailing silence of an audio stream shorter than the video', () => {
  it('counts as trailing, so the edge trim cuts it', async () => {
    const info = await probeMedia(file);
    expect(info.audio?.durationSec).toBeLessThan(info.durationSec - 2);
    const { silences } = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 2 });
    expect(silences.at(-1)?.end).toBe(info.durationSec);
    const kept = planKeptRanges(silences, info.durationSec, resolveTrimOptions({}));
    expect(kept?.[0]?.start).toBeCloseTo(3, 0);
    expect(kept?.[0]?.end).toBeCloseTo(21, 0);
  });
});
