import { spawn } from 'node:child_process';
import path from 'node:path';
import { config } from '../config.js';
import { ValidationError } from '../lib/errors.js';
import { extractPcmWav, probeMedia } from '../media/index.js';
import type { RecognisedSpeech, TranscriptionProvider, TranscriptionRequest, TranscriptWord } from './types.js';

// Offline English ASR with CMU PocketSphinx (Debian: pocketsphinx + pocketsphinx-en-us, 5prealpha).
// Far less accurate than Whisper — it exists so LEAP runs end to end without any API key.

/** `word start end confidence` lines of `-time yes`; times are from the start of the file. */
const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/;
/** Sentence markers, silence and filler/noise tokens of the acoustic model. */
const NON_WORD = /^(?:<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+|\(.*\))$/;

export function parsePocketsphinxOutput(stdout: string): TranscriptWord[] {
  const words: TranscriptWord[] = [];
  for (const line of stdout.split('\n')) {
    const match = WORD_LINE.exec(line.trim());
    if (!match || NON_WORD.test(match[1]!)) continue;
    // Alternative pronunciations are reported as `word(2)`.
    const text = match[1]!.replace(/\(\d+\)$/, '');
    words.push({ text, start: Number(match[2]), end: Number(match[3]) });
  }
  return words;
}

export class LocalTranscriptionProvider implements TranscriptionProvider {
  readonly provider = 'local';
  readonly model = 'pocketsphinx-en-us';

  constructor(private readonly settings: { path: string; modelDir: string } = config.ai.pocketsphinx) {}

  async transcribe(request: TranscriptionRequest): Promise<RecognisedSpeech> {
    if (request.language === 'ru') {
      throw new ValidationError('The offline recogniser understands English only; configure a transcription API for Russian');
    }
    const info = await probeMedia(request.file);
    const wav = path.join(request.workDir, 'speech.wav');
    request.onProgress?.(0, 'decoding audio');
    await extractPcmWav(request.file, info, wav);
    request.onProgress?.(0.1, 'recognising speech (offline, English)');
    const stdout = await this.run(wav, (line) => {
      // Each recognised word reports where the decoder is; that is the progress.
      const match = WORD_LINE.exec(line.trim());
      if (match && info.durationSec > 0) request.onProgress?.(0.1 + 0.9 * Math.min(1, Number(match[3]) / info.durationSec));
    });
    request.onProgress?.(1);
    return { language: 'en', durationSec: info.durationSec, words: parsePocketsphinxOutput(stdout), segments: [] };
  }

  private run(wav: string, onLine: (line: string) => void): Promise<string> {
    const { path: binary, modelDir } = this.settings;
    const args = [
      '-infile', wav,
      '-time', 'yes',
      '-hmm', path.join(modelDir, 'en-us'),
      '-lm', path.join(modelDir, 'en-us.lm.bin'),
      '-dict', path.join(modelDir, 'cmudict-en-us.dict'),
      '-logfn', '/dev/null',
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err = (err + chunk.toString('utf8')).slice(-2000);
      });
      child.on('error', (error) => reject(new Error(`cannot run ${binary} (install pocketsphinx and pocketsphinx-en-us): ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
        else reject(new Error(`${binary} failed (exit ${code}): ${err.trim().split('\n').slice(-2).join(' | ')}`));
      });
    });
  }
}
