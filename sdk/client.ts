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
}

export class LeapClient {
  readonly url: string;
  accessToken: string | null;
  private readonly headers: Record<string, string>;

  constructor(options: LeapClientOptions) {
    this.url = options.url;
    this.accessToken = options.accessToken ?? null;
    this.headers = options.headers ?? {};
  }

  async request<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<TResult> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {}),
        ...this.headers,
      },
      body: JSON.stringify({ query: print(document), operationName: operationName(document), variables: variables ?? {} }),
    });
    const requestId = response.headers.get('x-request-id');
    const text = await response.text();
    let body: { data?: TResult | null; errors?: GraphQLErrorEntry[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new LeapRequestError(`HTTP ${response.status}: ${text.slice(0, 200)}`, response.status, [], requestId);
    }
    if (body.errors?.length || body.data === undefined || body.data === null) {
      const errors = body.errors ?? [];
      const message = errors.map((e) => e.message).join('; ') || `HTTP ${response.status} without data`;
      throw new LeapRequestError(message, response.status, errors, requestId);
    }
    return body.data;
  }
}

export interface SubscribeOptions {
  /** The graphql-ws endpoint; defaults to the HTTP url with ws(s)://. */
  wsUrl?: string;
  /** Node 20 has no global WebSocket: pass `ws`'s. */
  webSocketImpl?: unknown;
}

/**
 * A typed subscription over graphql-ws. LEAP subscriptions start with the current state (a
 * snapshot), so a client that reconnects (here: automatically, up to 5 times) misses nothing.
 * Returns a function that ends the subscription.
 */
export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: LeapClient,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  handlers: { next(data: TResult): void; error?(error: unknown): void; complete?(): void },
  options: SubscribeOptions = {},
): () => void {
  const ws = createClient({
    url: options.wsUrl ?? client.url.replace(/^http/, 'ws'),
    webSocketImpl: options.webSocketImpl,
    connectionParams: () => (client.accessToken ? { authorization: `Bearer ${client.accessToken}` } : {}),
    retryAttempts: 5,
    shouldRetry: () => true,
  });
  const unsubscribe = ws.subscribe<TResult>(
    { query: print(document), variables },
    {
      next: (result) => {
        if (result.errors?.length) handlers.error?.(new LeapRequestError(result.errors.map((e) => e.message).join('; '), 200, [...result.errors] as GraphQLErrorEntry[], null));
        else if (result.data) handlers.next(result.data);
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
