// Shared shapes of the AI stages: the stored transcript, the endpoints AI calls go to, and the
// provider interfaces the services pick from (OpenAI-compatible APIs or the offline `local` ones).

export interface TranscriptWord {
  /** Seconds of the trimmed video. */
  start: number;
  end: number;
  text: string;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

/** Stored as `transcript.json` next to the recording's media. */
export interface Transcript {
  /** ISO 639-1 code (`en`, `ru`, …). */
  language: string;
  durationSec: number;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
  provider: string;
  model: string;
  flagged: boolean;
  flagReasons: string[];
  createdAt: string;
}

/** Where one kind of AI call goes. Keys never leave this object (no logs, errors or responses). */
export interface AiEndpoint {
  provider: string;
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Largest upload the provider takes in one request (transcription). */
  maxUploadBytes?: number;
}

export type AiPurpose = 'transcription' | 'topics';

/**
 * Finds the endpoint for a tenant's AI call; null means "none configured", and the offline `local`
 * provider is used. The default reads platform settings (src/config.ts); the credentials vault
 * (platform OPENAI_COMPATIBLE) plugs in here.
 */
export interface AiEndpointResolver {
  resolve(tenantId: string, purpose: AiPurpose, hint?: { provider?: string; model?: string }): Promise<AiEndpoint | null>;
}

export type ProgressReporter = (fraction: number, message?: string) => void;

/** What a recogniser returns for one file, times relative to that file. */
export interface RecognisedSpeech {
  /** ISO 639-1 code, or null when the provider did not say. */
  language: string | null;
  durationSec: number;
  words: TranscriptWord[];
  /** Empty when the provider has no segments; they are then derived from the words. */
  segments: TranscriptSegment[];
}

export interface TranscriptionRequest {
  /** A local audio file. */
  file: string;
  durationSec: number;
  /** `auto` lets the provider detect it. */
  language: 'auto' | 'ru' | 'en';
  /** Course name and vocabulary, to bias spelling of names and terms. */
  prompt: string;
  /** Scratch folder for chunks and conversions (removed by the caller). */
  workDir: string;
  onProgress?: ProgressReporter;
}

export interface TranscriptionProvider {
  readonly provider: string;
  readonly model: string;
  transcribe(request: TranscriptionRequest): Promise<RecognisedSpeech>;
}

export type Granularity = 'short' | 'medium' | 'long';

export interface TopicBounds {
  minTopics: number;
  maxTopics: number;
  /** Shortest distance between two topic starts the prompt asks for. */
  minSpacingSec: number;
}

export interface LongPause {
  start: number;
  end: number;
}

export interface TopicsRequest {
  transcript: Transcript;
  /** The recording's display name (course context). */
  courseName: string;
  granularity: Granularity;
  bounds: TopicBounds;
  pauses: LongPause[];
  questionsCount: number;
}

/** A topic as a provider proposes it: a title and a start time. */
export interface ProposedTopic {
  title: string;
  start: number;
  isBreak?: boolean;
}

export interface ProposedTopics {
  summary: string;
  mainTopic: string;
  topics: ProposedTopic[];
  questions: string[];
  model: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
}

export interface TopicsProvider {
  readonly provider: string;
  propose(request: TopicsRequest, onProgress?: ProgressReporter): Promise<ProposedTopics>;
}

/** A topic as stored in TopicVersion.topics. */
export interface StoredTopic {
  title: string;
  start: number;
  end: number;
  isBreak: boolean;
}
