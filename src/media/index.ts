// src/media: the only code that runs ffmpeg and ffprobe. Pure planning (plan.ts, formats.ts) is kept
// apart from the process calls so it can be tested on numbers.
export { MediaToolError, runFfmpeg, runFfprobe, type MediaProgress, type ProgressListener } from './ffmpeg.js';
export { probeMedia, findIntegrityProblems, keyframeAtOrBefore, type MediaInfo, type AudioStreamInfo, type VideoStreamInfo } from './probe.js';
export { analyzeSilence, parseSilenceLog, type SilenceAnalysis } from './silence.js';
export { trimEdges, removePauses, pauseFilterGraph, type TrimResult } from './trim.js';
export { extractAsrAudio, extractPoster, posterTime, ASR_AUDIO } from './extract.js';
export * from './plan.js';
export * from './formats.js';
export { planAudioChunks, splitAudioAtSilences, extractAudioRange, extractPcmWav, type AudioChunk } from './audio-chunks.js';
