import type { Readable } from 'node:stream';
import type { PublishFile } from './publisher.js';

// The byte-sending half of Google's resumable upload protocol, shared by YouTube and Drive
// (developers.google.com/youtube/v3/guides/using_resumable_upload_protocol,
// developers.google.com/workspace/drive/api/guides/manage-uploads#resumable): PUT the bytes in
// chunks (multiples of 256 KiB) with Content-Range; 308 "Resume Incomplete" carries the Range the
// server has; after an interruption a PUT with `Content-Range: bytes */N` asks where to continue.
// googleapis neither chunks nor resumes, so this speaks HTTP itself. Each API starts its session
// (the metadata POST) and maps its own errors.

export interface ResumableSession {
  uri: string;
  total: number;
}

export interface ResumableTransfer {
  token: string;
  chunkBytes: number;
  file: PublishFile;
  open(file: PublishFile, range: { start: number; end: number }): Promise<Readable>;
  onProgress(sentBytes: number, total: number): void;
  /** In-process resumes after a dropped connection or a 5xx before giving up (a later retry resumes too). */
  maxResumes?: number;
}

export interface ResumableProtocol {
  /** The API's error for an answer that is not part of the protocol. */
  fail(res: Response): Promise<Error>;
  /** The error when the session is gone mid-upload (sessions expire after a week). */
  expired(): Error;
}

/** Bytes the server has, or the finished resource; null when the session is gone. */
export async function queryResumable<R>(session: ResumableSession, token: string, protocol: Pick<ResumableProtocol, 'fail'>): Promise<number | R | null> {
  const res = await fetch(session.uri, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${session.total}`, 'content-length': '0' },
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status === 308) return receivedBytes(res);
  if (res.status === 200 || res.status === 201) return (await res.json()) as R;
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    return null;
  }
  throw await protocol.fail(res);
}

/** Sends the bytes from `offset` on, resuming in place after dropped connections and 5xx answers. */
export async function uploadResumableFrom<R>(session: ResumableSession, offset: number, transfer: ResumableTransfer, protocol: ResumableProtocol): Promise<R> {
  let sent = offset;
  let resumes = 0;
  const maxResumes = transfer.maxResumes ?? 3;
  /** Asks the server what it kept; the finished resource when it has everything. */
  const resume = async (): Promise<R | null> => {
    resumes += 1;
    const state = await queryResumable<R>(session, transfer.token, protocol);
    if (state === null) throw protocol.expired();
    if (typeof state !== 'number') return state;
    sent = state;
    transfer.onProgress(sent, session.total);
    return null;
  };
  for (;;) {
    const end = Math.min(sent + transfer.chunkBytes, session.total) - 1;
    let res: Response;
    try {
      const chunk = await readRange(transfer, sent, end);
      res = await fetch(session.uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${transfer.token}`, 'content-type': transfer.file.contentType, 'content-range': `bytes ${sent}-${end}/${session.total}` },
        body: chunk,
        signal: AbortSignal.timeout(600_000),
      });
    } catch (error) {
      // The connection dropped mid-chunk: continue from what the server kept.
      if (resumes >= maxResumes) throw error;
      const done = await resume();
      if (done) return done;
      continue;
    }
    if (res.status === 200 || res.status === 201) {
      transfer.onProgress(session.total, session.total);
      return (await res.json()) as R;
    }
    if (res.status === 308) {
      sent = receivedBytes(res);
      transfer.onProgress(sent, session.total);
      continue;
    }
    if (res.status >= 500 && resumes < maxResumes) {
      await res.body?.cancel();
      const done = await resume();
      if (done) return done;
      continue;
    }
    throw await protocol.fail(res);
  }
}

function receivedBytes(res: Response): number {
  const match = /bytes=0-(\d+)/.exec(res.headers.get('range') ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

/** One chunk in memory (at most chunkBytes), as fetch needs a sized body for Content-Range. */
async function readRange(transfer: ResumableTransfer, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  const body = new Uint8Array(new ArrayBuffer(end - start + 1));
  let filled = 0;
  for await (const chunk of await transfer.open(transfer.file, { start, end })) {
    body.set(chunk as Buffer, filled);
    filled += (chunk as Buffer).length;
  }
  return filled === body.length ? body : body.slice(0, filled);
}
