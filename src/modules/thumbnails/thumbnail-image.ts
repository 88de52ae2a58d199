import { ValidationError } from '../../lib/errors.js';

// Thumbnail files are checked by their bytes, never by their names: the format from the magic bytes,
// the dimensions from the image header (PNG IHDR, JPEG start-of-frame).

export interface ImageInfo {
  format: 'png' | 'jpeg';
  contentType: 'image/png' | 'image/jpeg';
  /** Extension of the stored file. */
  ext: 'png' | 'jpg';
  width: number;
  height: number;
}

export interface ThumbnailLimits {
  maxBytes: number;
  minWidth: number;
  minHeight: number;
  maxWidth: number;
  maxHeight: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const THUMBNAIL_NAME_MAX = 100;

/** Names keep [a-zA-Z0-9_-] only: anything else becomes `_` (runs collapsed), cut to 100 characters. */
export function sanitizeThumbnailName(raw: string): string {
  return raw
    .trim()
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, THUMBNAIL_NAME_MAX);
}

/** The name for an upload: the given one, else the file name without its extension. */
export function thumbnailNameFor(given: string | null | undefined, fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  const name = sanitizeThumbnailName(given ?? base);
  if (!name) throw ValidationError.field('name', 'A thumbnail name needs at least one of a-z, A-Z, 0-9, _ or -');
  return name;
}

/** Format and dimensions of a PNG or JPEG; null for anything else (or a header that does not parse). */
export function readImageInfo(bytes: Buffer): ImageInfo | null {
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE) && bytes.toString('latin1', 12, 16) === 'IHDR') {
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    return width > 0 && height > 0 ? { format: 'png', contentType: 'image/png', ext: 'png', width, height } : null;
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpegSize(bytes);
  return null;
}

/** Walks the JPEG marker segments up to the first start-of-frame (SOF0–SOF15 except DHT, JPG, DAC). */
function readJpegSize(bytes: Buffer): ImageInfo | null {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan before any frame header
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > bytes.length) return null;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      return width > 0 && height > 0 ? { format: 'jpeg', contentType: 'image/jpeg', ext: 'jpg', width, height } : null;
    }
    offset += 2 + length;
  }
  return null;
}

/** Checks a received image against the configured limits; returns its format and size. */
export function checkThumbnailImage(bytes: Buffer, limits: ThumbnailLimits): ImageInfo {
  const fail = (message: string) => ValidationError.field('file', message);
  if (bytes.length === 0) throw fail('The file is empty');
  if (bytes.length > limits.maxBytes) throw fail(`A thumbnail may be at most ${limits.maxBytes} bytes`);
  const info = readImageInfo(bytes);
  if (!info) throw fail('A thumbnail must be a PNG or JPEG image');
  if (info.width > limits.maxWidth || info.height > limits.maxHeight) {
    throw fail(`A thumbnail may be at most ${limits.maxWidth}×${limits.maxHeight} pixels (this one is ${info.width}×${info.height})`);
  }
  if (info.width < limits.minWidth || info.height < limits.minHeight) {
    throw fail(`A thumbnail must be at least ${limits.minWidth}×${limits.minHeight} pixels (this one is ${info.width}×${info.height})`);
  }
  return info;
}
