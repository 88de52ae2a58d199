// Pure rules about file formats: which extensions LEAP accepts, what their first bytes must look like,
// and which container a stream copy can go into.

export const ACCEPTED_EXTENSIONS = ['mp4', 'webm', 'mkv', 'mov', 'm4a', 'mp3', 'wav'] as const;
export type AcceptedExtension = (typeof ACCEPTED_EXTENSIONS)[number];

export type MagicFamily = 'iso-bmff' | 'ebml' | 'mp3' | 'wav';

const FAMILY_OF: Record<AcceptedExtension, MagicFamily> = {
  mp4: 'iso-bmff',
  mov: 'iso-bmff',
  m4a: 'iso-bmff',
  webm: 'ebml',
  mkv: 'ebml',
  mp3: 'mp3',
  wav: 'wav',
};

export function isAcceptedExtension(ext: string): ext is AcceptedExtension {
  return (ACCEPTED_EXTENSIONS as readonly string[]).includes(ext);
}

export function expectedFamily(ext: AcceptedExtension): MagicFamily {
  return FAMILY_OF[ext];
}

const ISO_BMFF_TOP_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

/** What the first bytes of a file say it is, or null when they match no accepted format. */
export function sniffMagic(head: Uint8Array): MagicFamily | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'ebml';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  // ISO-BMFF: `ftyp` at bytes 4–8, or (old QuickTime) another top-level box there.
  if (head.length >= 8 && ISO_BMFF_TOP_BOXES.has(ascii(4, 8))) return 'iso-bmff';
  if (head.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame header: 11 sync bits, layer III (or II), not a reserved version.
  if (head.length >= 4 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0 && (head[1]! & 0x06) !== 0 && (head[1]! & 0x18) !== 0x08) {
    return 'mp3';
  }
  return null;
}

/** An HTML or text error page saved under a media name (a classic of failed downloads). */
export function looksLikeText(head: Uint8Array): boolean {
  const start = Buffer.from(head.subarray(0, 4096)).toString('latin1').trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<?xml');
}

const MP4_VIDEO = new Set(['h264', 'hevc', 'h265', 'avc', 'mpeg4', 'av1']);
const MP4_AUDIO = new Set(['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'alac']);
const WEBM_VIDEO = new Set(['vp8', 'vp9', 'av1']);
const WEBM_AUDIO = new Set(['vorbis', 'opus']);

export interface OutputContainer {
  /** File extension of `video.<ext>`. */
  ext: string;
  /** ffmpeg muxer name. */
  muxer: string;
}

/**
 * The container a stream copy of these codecs goes into: MP4 when both fit, WebM when both are WebM
 * codecs, Matroska otherwise. Audio-only recordings get the natural audio container of their codec.
 */
export function containerForCodecs(videoCodec: string | null, audioCodec: string): OutputContainer {
  if (videoCodec) {
    if (MP4_VIDEO.has(videoCodec) && MP4_AUDIO.has(audioCodec)) return { ext: 'mp4', muxer: 'mp4' };
    if (WEBM_VIDEO.has(videoCodec) && WEBM_AUDIO.has(audioCodec)) return { ext: 'webm', muxer: 'webm' };
    return { ext: 'mkv', muxer: 'matroska' };
  }
  if (audioCodec === 'aac' || audioCodec === 'alac') return { ext: 'm4a', muxer: 'ipod' };
  if (audioCodec === 'mp3') return { ext: 'mp3', muxer: 'mp3' };
  if (WEBM_AUDIO.has(audioCodec)) return { ext: 'webm', muxer: 'webm' };
  if (audioCodec.startsWith('pcm_')) return { ext: 'wav', muxer: 'wav' };
  return { ext: 'mka', muxer: 'matroska' };
}

/** MIME type of a stored file, by extension (for downloads). */
export function contentTypeOf(fileName: string): string {
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    mp4: 'video/mp4',
    m4a: 'audio/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    mkv: 'video/x-matroska',
    mka: 'audio/x-matroska',
    mp3: 'audio/mpeg',
    wav: 'audio/wav',
    ogg: 'audio/ogg',
    jpg: 'image/jpeg',
    png: 'image/png',
    json: 'application/json',
    srt: 'application/x-subrip',
    vtt: 'text/vtt',
  };
  return types[ext] ?? 'application/octet-stream';
}
