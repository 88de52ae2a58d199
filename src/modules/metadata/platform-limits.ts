import type { PublishPlatform } from '../../generated/prisma/enums.js';

// Length rules of the platforms (inventory §6.1). YouTube counts its title in characters but its
// description in UTF-8 bytes (5000), and refuses `<` and `>` anywhere: those become the full-width
// ＜ ＞ before measuring. Cut text ends with "...".

interface TextLimit {
  max: number;
  unit: 'chars' | 'bytes';
}

interface PlatformLimits {
  title?: TextLimit;
  description?: TextLimit;
  sanitize?: (text: string) => string;
}

const youtubeText = (text: string) => text.replaceAll('\u0000', '').replaceAll('<', '＜').replaceAll('>', '＞');

export const PLATFORM_LIMITS: Partial<Record<PublishPlatform, PlatformLimits>> = {
  YOUTUBE: { title: { max: 100, unit: 'chars' }, description: { max: 5000, unit: 'bytes' }, sanitize: youtubeText },
  VK: { title: { max: 128, unit: 'chars' }, description: { max: 5000, unit: 'chars' } },
};

const ELLIPSIS = '...';
const encoder = new TextEncoder();
const size = (text: string, unit: TextLimit['unit']) => (unit === 'bytes' ? encoder.encode(text).length : [...text].length);

/** Cuts at a code point boundary so the result plus "..." fits the limit. */
export function truncate(text: string, limit: TextLimit): { text: string; truncated: boolean } {
  if (size(text, limit.unit) <= limit.max) return { text, truncated: false };
  const budget = limit.max - ELLIPSIS.length;
  let kept = '';
  let used = 0;
  for (const char of text) {
    const next = size(char, limit.unit);
    if (used + next > budget) break;
    kept += char;
    used += next;
  }
  return { text: kept.trimEnd() + ELLIPSIS, truncated: true };
}

export interface LimitedText {
  title: string;
  description: string;
  titleTruncated: boolean;
  descriptionTruncated: boolean;
}

export function applyPlatformLimits(platform: PublishPlatform | null, text: { title: string; description: string }): LimitedText {
  const limits = platform ? PLATFORM_LIMITS[platform] : undefined;
  const sanitize = limits?.sanitize ?? ((value: string) => value);
  const title = sanitize(text.title);
  const description = sanitize(text.description);
  const cutTitle = limits?.title ? truncate(title, limits.title) : { text: title, truncated: false };
  const cutDescription = limits?.description ? truncate(description, limits.description) : { text: description, truncated: false };
  return {
    title: cutTitle.text,
    description: cutDescription.text,
    titleTruncated: cutTitle.truncated,
    descriptionTruncated: cutDescription.truncated,
  };
}
