import { z } from 'zod';
import { breakTitle, clock, parseClock, type TopicIssue } from './topic-rules.js';
import type { ProposedTopics, TopicsRequest, TranscriptSegment } from './types.js';

// The chat prompt of the topics stage and the parsing of the model's JSON answer.

/** Subtitle-credit hallucinations Whisper produces on silence (Russian), dropped before prompting. */
const NOISE = /редактор субтитров|корректор|продолжение следует/i;

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', ru: 'Russian' };

export function promptSegments(segments: readonly TranscriptSegment[]): TranscriptSegment[] {
  return segments.filter((s) => !NOISE.test(s.text));
}

export function buildTopicsMessages(request: TopicsRequest): Array<{ role: 'system' | 'user'; content: string }> {
  const { transcript, bounds, pauses, questionsCount, courseName } = request;
  const language = LANGUAGE_NAMES[transcript.language] ?? (/^[a-z]{2}$/.test(transcript.language) ? `the language with ISO code "${transcript.language}"` : 'the language of the transcript');
  const lines = promptSegments(transcript.segments).map((s) => `${clock(s.start)} ${s.text}`);
  const pauseRules = pauses.length
    ? [
        `The recording has ${pauses.length} long pause(s). At the start of EACH pause insert a topic titled "${breakTitle(transcript.language)}":`,
        ...pauses.map((p) => `- ${clock(p.start)}–${clock(p.end)} (${Math.round((p.end - p.start) / 60)} min)`),
      ]
    : [];
  const rules = [
    `Analyse the lecture transcript below${courseName ? ` from the course "${courseName}"` : ''}. Every line is "HH:MM:SS text" (start time of the phrase).`,
    `Write everything in ${language}, the language of the transcript.`,
    'Answer with one JSON object and nothing else:',
    '{"summary": string, "main_topic": string, "topics": [{"start": "HH:MM:SS", "title": string}], "questions": [string]}',
    '- summary: 2–4 sentences on what the lecture covers.',
    `- main_topic: exactly one topic of 2–5 words${courseName ? ' that does not repeat words of the course name' : ''}.`,
    `- topics: between ${bounds.minTopics} and ${bounds.maxTopics} topics (breaks not counted), in chronological order, each starting at a real time from the transcript, the first near 00:00:00.`,
    `  Each topic lasts at least 60 seconds; starts are at least ${Math.round(bounds.minSpacingSec / 60)} min apart where possible. Titles have 3–6 words and state facts of the lecture.`,
    '  Merge topics if you have too many, split long ones if you have too few.',
    ...pauseRules,
    `- questions: exactly ${questionsCount} open self-check questions on the content.`,
    `The recording lasts ${clock(transcript.durationSec)}. Check every rule before answering.`,
  ];
  return [
    { role: 'system', content: 'You are an expert analyst of educational material. You answer with valid JSON only.' },
    { role: 'user', content: `${rules.join('\n')}\n\nTRANSCRIPT:\n${lines.join('\n')}` },
  ];
}

export function repairMessage(problems: readonly string[]): string {
  return `Your answer breaks these rules:\n${problems.map((p) => `- ${p}`).join('\n')}\nAnswer again with the corrected, complete JSON object only.`;
}

const answerSchema = z.object({
  summary: z.string(),
  main_topic: z.string(),
  topics: z.array(z.object({ start: z.union([z.string(), z.number()]), title: z.string() })),
  questions: z.array(z.string()),
});

export type ParsedAnswer = Omit<ProposedTopics, 'model' | 'usage'>;

/** The model's JSON answer, or the problems that make it unusable. */
export function parseTopicsAnswer(content: string | null | undefined, questionsCount: number): { answer: ParsedAnswer; problems: string[] } | { answer: null; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(stripFence(content ?? ''));
  } catch {
    return { answer: null, problems: ['the answer is not valid JSON'] };
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    return { answer: null, problems: parsed.error.issues.map((i) => `field ${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  const problems: string[] = [];
  const topics = parsed.data.topics.map((t, i) => {
    const start = parseClock(t.start);
    if (start === null) problems.push(`topic ${i + 1} has an unreadable start "${String(t.start)}"`);
    return { title: t.title.trim(), start: start ?? -1 };
  });
  const summary = parsed.data.summary.trim();
  if (!summary) problems.push('summary is empty');
  const mainTopic = parsed.data.main_topic.trim().split(/\s+/).slice(0, 5).join(' ');
  if (!mainTopic) problems.push('main_topic is empty');
  const questions = parsed.data.questions.map((q) => q.trim()).filter(Boolean);
  if (questions.length < questionsCount) problems.push(`${questions.length} questions; exactly ${questionsCount} are required`);
  return { answer: { summary, mainTopic, topics, questions: questions.slice(0, questionsCount) }, problems };
}

export const issueTexts = (issues: readonly TopicIssue[]) => issues.map((i) => i.message);

/** Some models wrap JSON in a Markdown fence even in JSON mode. */
function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return fenced ? fenced[1]! : text;
}
