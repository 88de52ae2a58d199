import { runFfmpeg } from './ffmpeg.js';
import type { Interval } from './plan.js';

// Lecture-like media made from ffmpeg's lavfi sources, for tests and benchmarks: a modulated tone where
// the "speaker" talks, a −62 dB mains hum elsewhere (room tone, not digital silence), and a test
// pattern or a picture that flashes white exactly while there is sound (to check A/V sync).

export type SynthVideoCodec = 'h264' | 'vp8' | 'vp9' | 'mpeg4';
export type SynthAudioCodec = 'aac' | 'opus' | 'vorbis' | 'mp3' | 'pcm_s16le';

export interface SynthSpec {
  durationSec: number;
  /** Where sound is; `always` for no silence at all. A raw ffmpeg expression in `t` is also accepted. */
  sound: Interval[] | 'always' | { expression: string };
  video?: {
    codec: SynthVideoCodec;
    width?: number;
    height?: number;
    fps?: number;
    /** `flash`: black, white while there is sound. `pattern`: moving test pattern. */
    picture?: 'flash' | 'pattern';
    /** Keyframe interval in seconds. */
    keyframeSec?: number;
  };
  /** Null for a picture without sound (which LEAP refuses). */
  audio: { codec: SynthAudioCodec; sampleRate?: number; channels?: 1 | 2 } | null;
  /** ffmpeg muxer, e.g. mp4, webm, matroska, mov, ipod, mp3, wav. */
  muxer: string;
  /** MP4/MOV: index at the front (as streaming-ready files have it). */
  faststart?: boolean;
}

function gateExpression(sound: SynthSpec['sound']): string {
  if (sound === 'always') return '1';
  if ('expression' in sound) return `(${sound.expression})`;
  if (sound.length === 0) return '0';
  return `gt(${sound.map((s) => `between(t,${s.start},${s.end})`).join('+')},0)`;
}

const VIDEO_CODEC_ARGS: Record<SynthVideoCodec, string[]> = {
  h264: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  vp8: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k'],
  vp9: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-b:v', '400k'],
  mpeg4: ['-c:v', 'mpeg4', '-q:v', '5'],
};

const AUDIO_CODEC_ARGS: Record<SynthAudioCodec, string[]> = {
  aac: ['-c:a', 'aac', '-b:a', '96k'],
  opus: ['-c:a', 'libopus', '-b:a', '48k'],
  vorbis: ['-c:a', 'libvorbis', '-q:a', '3'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'],
  pcm_s16le: ['-c:a', 'pcm_s16le'],
};

/** Writes a synthetic recording to `outputFile`. */
export async function synthesizeMedia(outputFile: string, spec: SynthSpec): Promise<void> {
  const gate = gateExpression(spec.sound);
  const args: string[] = [];
  const audio = spec.audio;
  if (audio) {
    const tone = `${gate}*0.3*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*3*t))+0.0008*sin(2*PI*50*t)`;
    const channels = audio.channels === 2 ? 'stereo' : 'mono';
    args.push('-f', 'lavfi', '-i', `aevalsrc='${tone}':s=${audio.sampleRate ?? 48000}:c=${channels}:d=${spec.durationSec}`);
  }
  const video = spec.video;
  if (video) {
    const size = `${video.width ?? 320}x${video.height ?? 180}`;
    const fps = video.fps ?? 25;
    const source =
      video.picture === 'flash'
        ? `color=c=black:s=${size}:r=${fps}:d=${spec.durationSec},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${gate}'`
        : `testsrc2=s=${size}:r=${fps}:d=${spec.durationSec}`;
    args.push('-f', 'lavfi', '-i', source);
  }
  if (audio) args.push('-map', '0:a', ...AUDIO_CODEC_ARGS[audio.codec]);
  if (video) args.push('-map', `${audio ? 1 : 0}:v`);
  if (video) {
    args.push(...VIDEO_CODEC_ARGS[video.codec], '-g', String(Math.round((video.keyframeSec ?? 2) * (video.fps ?? 25))));
  }
  if (spec.faststart) args.push('-movflags', '+faststart');
  args.push('-t', String(spec.durationSec), '-f', spec.muxer, outputFile);
  await runFfmpeg(args);
}
