import { isAcceptedExtension, type AcceptedExtension } from '../../media/formats.js';

// The client's file name is only ever used for two things: its extension (checked against the
// whitelist and the file's magic bytes) and a default display name. It never reaches a path: stored
// files are named `source.<ext>` under the recording's id.

export type UploadNameCheck =
  | { ok: true; extension: AcceptedExtension; baseName: string }
  | { ok: false; reason: string };

const MAX_NAME_BYTES = 255;
// C0/C1 controls, DEL, and bidi overrides that make a name display as something it is not.
const HOSTILE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export function checkUploadName(fileName: string): UploadNameCheck {
  if (fileName.trim() === '') return { ok: false, reason: 'The file has no name' };
  if (Buffer.byteLength(fileName, 'utf8') > MAX_NAME_BYTES) return { ok: false, reason: `File names are limited to ${MAX_NAME_BYTES} bytes` };
  if (HOSTILE_CHARS.test(fileName)) return { ok: false, reason: 'The file name contains control characters' };
  if (/[/\\]/.test(fileName) || fileName.includes('..')) return { ok: false, reason: 'The file name must not contain a path' };
  const dot = fileName.lastIndexOf('.');
  const baseName = dot > 0 ? fileName.slice(0, dot).trim() : '';
  const extension = dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
  if (!isAcceptedExtension(extension)) {
    return { ok: false, reason: 'Only mp4, webm, mkv, mov, m4a, mp3 and wav files are accepted' };
  }
  if (baseName === '') return { ok: false, reason: 'The file has no name before its extension' };
  return { ok: true, extension, baseName };
}

/** A display name from a file name: spaces tidied, underscores as spaces, at most 200 characters. */
export function displayNameFromFile(baseName: string): string {
  const tidy = baseName.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  return tidy.length > 200 ? `${tidy.slice(0, 199)}…` : tidy;
}
