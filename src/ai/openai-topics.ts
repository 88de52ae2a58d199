import type OpenAI from 'openai';
import { AiOutputError } from '../lib/errors.js';
import { openAiClient, providerError } from './endpoints.js';
import { validateTopics } from './topic-rules.js';
import { buildTopicsMessages, issueTexts, parseTopicsAnswer, repairMessage } from './topics-prompt.js';
import type { AiEndpoint, ProgressReporter, ProposedTopics, TopicsProvider, TopicsRequest } from './types.js';

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * Topics from any OpenAI-compatible chat model in JSON mode. An answer that breaks the rules gets
 * one repair round-trip listing the problems; a second bad answer fails with AiOutputError.
 */
export class OpenAiTopicsProvider implements TopicsProvider {
  readonly provider: string;
  private readonly client: OpenAI;

  constructor(
    private readonly endpoint: AiEndpoint,
    options: { maxRetries?: number; timeoutMs?: number } = {},
  ) {
    this.provider = endpoint.provider;
    this.client = openAiClient(endpoint, options);
  }

  async propose(request: TopicsRequest, onProgress?: ProgressReporter): Promise<ProposedTopics> {
    const messages: ChatMessage[] = buildTopicsMessages(request);
    const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    let problems: string[] = [];
    for (let round = 0; round < 2; round++) {
      onProgress?.(round * 0.5, round === 0 ? 'asking the language model' : 'asking the model to fix its answer');
      const completion = await this.complete(messages);
      usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      usage.totalTokens += completion.usage?.total_tokens ?? 0;
      const content = completion.choices[0]?.message.content ?? '';
      const parsed = parseTopicsAnswer(content, request.questionsCount);
      problems = parsed.answer
        ? [...parsed.problems, ...issueTexts(validateTopics(parsed.answer.topics, request.transcript.durationSec, request.bounds, request.pauses))]
        : parsed.problems;
      if (parsed.answer && problems.length === 0) {
        onProgress?.(1);
        return { ...parsed.answer, model: completion.model || this.endpoint.model, usage };
      }
      messages.push({ role: 'assistant', content }, { role: 'user', content: repairMessage(problems) });
    }
    throw new AiOutputError(`${this.provider} returned invalid topics twice`, problems);
  }

  private async complete(messages: ChatMessage[]): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    try {
      return await this.client.chat.completions.create({
        model: this.endpoint.model,
        messages,
        response_format: { type: 'json_object' },
        temperature: 0,
        max_tokens: 8000,
      });
    } catch (error) {
      throw providerError(error, this.endpoint, 'topics');
    }
  }
}
