import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode } from 'graphql';
import { createClient } from 'graphql-ws';

// A small typed GraphQL-over-HTTP client for the generated documents in sdk/generated (`npm run codegen`).
// Expected failures arrive as data (error union members); this client throws only for transport
// errors and top-level GraphQL errors (auth, limits, masked server errors).

/** The name of the document's operation: sent along so the API logs each request under it. */
function operationName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.name?.value;
  }
  return undefined;
}

export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export class LeapRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: GraphQLErrorEntry[],
    /** Echo of the server's X-Request-Id: the key to this request in the API's logs. */
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'LeapRequestError';
  }

  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
}

export interface LeapClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  accessToken?: string | null;
  headers?: Record<string, string>;
  /**
   * Called once when the API answers UNAUTHENTICATED (e.g. the access token expired): return a new
   * access token (from a refresh) and the request is retried with it, or null to give up.
   */
  refreshAccessToken?: () => Promise<string | null>;
}

/** A file part of a GraphQL multipart request: `variable` is the variables path, e.g. "file". */
export interface UploadFile {
  variable: string;
  blob: Blob;
  fileName: string;
}

export class LeapClient {
  readonly url: string;
  accessToken: string | null;
  private readonly headers: Record<string, string>;
  private readonly refreshAccessToken: (() => Promise<string | null>) | null;

  constructor(options: LeapClientOptions) {
    this.url = options.url;
    this.accessToken = options.accessToken ?? null;
    this.headers = options.headers ?? {};
    this.refreshAccessToken = options.refreshAccessToken ?? null;
  }

  async request<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<TResult> {
    const body = JSON.stringify({ query: print(document), operationName: operationName(document), variables: variables ?? {} });
    return this.withRefresh(() => this.send<TResult>({ 'content-type': 'application/json' }, body));
  }

  /**
   * An operation with files, as a GraphQL multipart request (the files' variables are sent as null
   * and mapped to the parts). A file-backed Blob (`fs.openAsBlob`) is streamed, not read into memory.
   */
  async upload<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    files: UploadFile[],
  ): Promise<TResult> {
    return this.withRefresh(() => {
      const form = new FormData();
      const nulled = { ...variables, ...Object.fromEntries(files.map((f) => [f.variable, null])) };
      form.set('operations', JSON.stringify({ query: print(document), operationName: operationName(document), variables: nulled }));
      form.set('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [`variables.${f.variable}`]]))));
      files.forEach((f, i) => form.set(String(i), f.blob, f.fileName));
      return this.send<TResult>({}, form);
    });
  }

  private async withRefresh<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof LeapRequestError) || error.code !== 'UNAUTHENTICATED' || !this.refreshAccessToken) throw error;
      const token = await this.refreshAccessToken();
      if (!token) throw error;
      this.accessToken = token;
      return attempt();
    }
  }

  private async send<TResult>(headers: Record<string, string>, body: string | FormData): Promise<TResult> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        ...headers,
        accept: 'application/graphql-response+json, application/json',
        ...(this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {}),
        ...this.headers,
      },
      body,
    });
    const requestId = response.headers.get('x-request-id');
    const text = await response.text();
    let parsed: { data?: TResult | null; errors?: GraphQLErrorEntry[] };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new LeapRequestError(`HTTP ${response.status}: ${text.slice(0, 200)}`, response.status, [], requestId);
    }
    if (parsed.errors?.length || parsed.data === undefined || parsed.data === null) {
      const errors = parsed.errors ?? [];
      const message = errors.map((e) => e.message).join('; ') || `HTTP ${response.status} without data`;
      throw new LeapRequestError(message, response.status, errors, requestId);
    }
    return parsed.data;
  }
}

export interface SubscribeOptions<TResult> {
  /** The graphql-ws endpoint; defaults to the HTTP url with ws(s)://. */
  wsUrl?: string;
  /** Node 20 has no global WebSocket: pass `ws`'s. */
  webSocketImpl?: unknown;
  /** Reconnect attempts after a lost connection (exponential back-off); default 10. */
  retryAttempts?: number;
  /**
   * Resume: where a result stands in its stream (`key` names an ordered stream, `seq` grows in it).
   * A result whose seq is not above the last one seen for its key is dropped, so the snapshot the
   * server sends again after a reconnect yields only what changed while the client was away.
   */
  position?: (data: TResult) => { key: string; seq: number } | null;
  /** Called when the connection is back after a loss (the subscription was re-sent). */
  onReconnected?: () => void;
}

/**
 * A typed subscription over graphql-ws that survives lost connections: it reconnects (fresh
 * connectionParams, so a refreshed token is used) and re-subscribes; with `position` it resumes
 * from the last event seen. Returns a function that ends the subscription.
 */
export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: LeapClient,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  handlers: { next(data: TResult): void; error?(error: unknown): void; complete?(): void },
  options: SubscribeOptions<TResult> = {},
): () => void {
  const seen = new Map<string, number>();
  let connections = 0;
  const ws = createClient({
    url: options.wsUrl ?? client.url.replace(/^http/, 'ws'),
    webSocketImpl: options.webSocketImpl,
    connectionParams: () => (client.accessToken ? { authorization: `Bearer ${client.accessToken}` } : {}),
    retryAttempts: options.retryAttempts ?? 10,
    shouldRetry: () => true,
    on: {
      connected: () => {
        connections += 1;
        if (connections > 1) options.onReconnected?.();
      },
    },
  });
  const unsubscribe = ws.subscribe<TResult>(
    { query: print(document), operationName: operationName(document), variables },
    {
      next: (result) => {
        if (result.errors?.length) {
          handlers.error?.(new LeapRequestError(result.errors.map((e) => e.message).join('; '), 200, [...result.errors] as GraphQLErrorEntry[], null));
          return;
        }
        if (!result.data) return;
        const position = options.position?.(result.data);
        if (position) {
          if (position.seq <= (seen.get(position.key) ?? -1)) return;
          seen.set(position.key, position.seq);
        }
        handlers.next(result.data);
      },
      error: (error) => handlers.error?.(error),
      complete: () => handlers.complete?.(),
    },
  );
  return () => {
    unsubscribe();
    void ws.dispose();
  };
}
