// Binds the app to a port (Factor VII) with slow-client timeouts, and closes it gracefully.

import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestListener } from 'node:http';

export interface HttpServerOptions {
  host: string;
  port: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish until the deadline, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

export async function listen(handler: RequestListener, opts: HttpServerOptions): Promise<RunningServer> {
  const server = createServer(
    {
      // A client that trickles its headers or body cannot hold a connection forever.
      headersTimeout: opts.headersTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      keepAliveTimeout: opts.keepAliveTimeoutMs,
      // Node enforces both timeouts only when it sweeps its connections, every 30 s by default,
      // so a 1 s headers timeout would let a trickling client hold a connection for up to 31 s.
      // Sweep at a quarter of the shorter timeout (at least every 50 ms, at most every 30 s).
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(Math.min(opts.headersTimeoutMs, opts.requestTimeoutMs) / 4))),
    },
    handler,
  );
  // Requests Node refuses before Express sees them (headers too large, headers/request timeout,
  // unparsable HTTP) get the same JSON error shape as every other refusal, then the socket closes.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const [status, code, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request line or headers are too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'The request took too long to arrive']
          : [400, 'bad_request', 'The request is not valid HTTP'];
    // Like Node's default handler: answer only when no response on this (keep-alive) connection
    // has started writing its headers, so a reply never lands in the middle of another.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify({ error: { code, message } });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close(graceMs) {
      closing ??= new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
