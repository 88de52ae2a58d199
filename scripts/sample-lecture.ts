// A sample lecture for the demo: three short talks spoken by espeak-ng (a Debian package the setup
// installs), with a silent head, pauses between the talks and a silent tail, over a test pattern.
// The silences are what TRIM removes; the three topics are what TOPICS should find.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '../src/media/ffmpeg.js';

const run = promisify(execFile);

export const SAMPLE_TALKS = [
  'Welcome to this lecture on photosynthesis. Plants capture light with chlorophyll in their leaves. ' +
    'The light energy splits water and releases oxygen. Carbon dioxide from the air is then fixed into sugar. ' +
    'This sugar feeds the plant and, through food chains, nearly every animal on Earth.',
  'Now let us turn to the water cycle. The sun heats oceans and lakes, and water evaporates into vapour. ' +
    'The vapour rises, cools and condenses into clouds. Rain and snow bring the water back to the ground, ' +
    'where rivers carry it to the sea, and the cycle begins again.',
  'Finally, volcanoes. Deep under the crust, rock melts into magma. Pressure pushes the magma up through cracks. ' +
    'When it reaches the surface it erupts as lava, ash and gas. Volcanic soil is rich, which is why people farm near volcanoes.',
];

/** Silence before, between and after the talks, in seconds. */
export const SAMPLE_SILENCES = [12, 14, 4, 15];

export async function makeSampleLecture(outputFile: string): Promise<void> {
  await mkdir(path.dirname(outputFile), { recursive: true });
  const dir = await mkdtemp(path.join(path.dirname(outputFile), 'sample-'));
  try {
    const talks: string[] = [];
    for (const [i, text] of SAMPLE_TALKS.entries()) {
      const file = path.join(dir, `talk-${i}.wav`);
      await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', file, text]);
      talks.push(file);
    }
    // [silence][talk 0][silence][talk 1][silence][talk 2][silence], resampled to one format, then muxed
    // with a test pattern as long as the audio.
    const inputs: string[] = [];
    const parts: string[] = [];
    let index = 0;
    for (const [i, seconds] of SAMPLE_SILENCES.entries()) {
      inputs.push('-f', 'lavfi', '-t', String(seconds), '-i', 'anullsrc=r=22050:cl=mono');
      parts.push(`[${index++}:a]`);
      const talk = talks[i];
      if (talk) {
        inputs.push('-i', talk);
        parts.push(`[${index++}:a]`);
      }
    }
    const filter = `${parts.map((p, i) => `${p}aresample=22050,aformat=channel_layouts=mono[a${i}]`).join(';')};${parts.map((_, i) => `[a${i}]`).join('')}concat=n=${parts.length}:v=0:a=1[audio]`;
    await runFfmpeg([
      ...inputs,
      '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25',
      '-filter_complex', filter,
      '-map', `${index}:v`, '-map', '[audio]',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '50',
      '-c:a', 'aac', '-b:a', '96k',
      '-shortest', '-movflags', '+faststart',
      '-y', outputFile,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
