import type { NextFunction, Request, Response } from 'express';

/**
 * A body Express's parsers refused (too large: 413, not parsable: 400) is the sender's mistake:
 * answer with its status and a short text, never the page a server error gets, and never echo it.
 */
export function refuseBadBodies(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).type('text/plain').send(status === 413 ? 'request body too large' : 'bad request body');
    return;
  }
  next(err);
}
